#!/usr/bin/env bash
# Installs the npm packages when missing, with `npm ci` only: the lock file is installed exactly as
# committed or not at all (when npm refuses it, its reason is printed and nothing is rewritten).
# A per-user cache keyed by the lock file and the Node version holds a finished node_modules, so a
# fresh clone on the same machine copies it (hard links, seconds) instead of installing: a second
# run installs nothing.
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
  echo "[bootstrap] installing npm packages with npm ci (first run on this machine: about a minute)"
  log="$(mktemp)"
  if ! npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    echo "[bootstrap] error: npm ci failed; npm said:" >&2
    grep -v '^npm error *$' "$log" | tail -30 >&2
    echo "[bootstrap] nothing was rewritten. If package-lock.json disagrees with package.json, run 'npm install', check the change and commit the lock." >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
  mkdir -p "$cache.tmp"
  rm -rf "$cache.tmp/node_modules"
  cp -al node_modules "$cache.tmp/node_modules" 2>/dev/null || cp -a node_modules "$cache.tmp/node_modules"
  rm -rf "$cache" && mv "$cache.tmp" "$cache"
fi
echo "$key" >"$stamp"
