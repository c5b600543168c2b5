#!/usr/bin/env bash
# The main job (`npm run demo`): installs what is missing, starts the local stack and Rebound,
# and runs the demo on it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Help before anything is installed or started: the demo's own header (its usage and options).
for arg in "$@"; do
  case "$arg" in
    -h | --help) awk '/^\/\//{sub(/^\/\/ ?/, ""); print; next} {exit}' scripts/demo.ts; exit 0 ;;
  esac
done
bash scripts/bootstrap.sh
bash scripts/stack/stack.sh up
exec node_modules/.bin/tsx scripts/demo.ts "$@"
