#!/usr/bin/env bash
# Fails when package-lock.json would not install as committed on a clean clone: `npm ci --dry-run`
# applies the same agreement check as `npm ci` (every dependency of package.json locked, every
# platform's optional binary listed) without touching node_modules. Runs on every `npm test`, warm
# cache or not, so a lock that only a cached node_modules hides can never pass unseen again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
err="$(mktemp)"
trap 'rm -f "$err"' EXIT
if ! npm ci --dry-run --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null 2>"$err"; then
  echo "[check-lock] package-lock.json does not agree with package.json; npm ci would refuse it:" >&2
  grep -v '^npm error *$' "$err" | grep -E 'npm error (Missing|Invalid|`npm ci`|code)' | head -20 >&2 || cat "$err" >&2
  echo "[check-lock] fix: run 'npm install' on a machine with the same npm, check that only the lock changed, commit it" >&2
  exit 1
fi
echo "[check-lock] package-lock.json agrees with package.json"
