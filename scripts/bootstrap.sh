#!/usr/bin/env bash
# Installs the npm packages when missing. A per-user cache keyed by the lock file and the Node
# version holds a finished node_modules, so a fresh clone on the same machine copies it (hard
# links, seconds) instead of installing: a second run installs nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$major" -lt 20 ]; then echo "[bootstrap] Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2; exit 1; fi

key="$( (cat package-lock.json; node --version) | sha256sum | cut -c1-16)"
cache="${REBOUND_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rebound}/node-modules-$key"
stamp="node_modules/.rebound-lock-key"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then exit 0; fi

rm -rf node_modules
if [ -d "$cache/node_modules" ]; then
  echo "[bootstrap] npm packages from the per-user cache"
  cp -al "$cache/node_modules" node_modules 2>/dev/null || cp -a "$cache/node_modules" node_modules
else
  echo "[bootstrap] installing npm packages from package-lock.json"
  # npm 11.19's `npm ci` rejects a lock file that omits other platforms' optional binaries (which
  # npm itself writes that way); `npm install` installs the same locked versions from it.
  if ! npm ci --no-audit --no-fund --loglevel=error 2>"$(mktemp -d)/ci.err"; then
    npm install --no-audit --no-fund --loglevel=error
    if command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet -- package-lock.json; then
      echo "[bootstrap] error: package-lock.json does not match package.json; run 'npm install' and commit the lock file" >&2
      git checkout -- package-lock.json
      exit 1
    fi
  fi
  mkdir -p "$cache.tmp"
  rm -rf "$cache.tmp/node_modules"
  cp -al node_modules "$cache.tmp/node_modules" 2>/dev/null || cp -a node_modules "$cache.tmp/node_modules"
  rm -rf "$cache" && mv "$cache.tmp" "$cache"
fi
echo "$key" >"$stamp"
