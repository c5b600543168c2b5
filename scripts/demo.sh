#!/usr/bin/env bash
# The main job (`npm run demo`): installs what is missing, starts the local stack and Rebound,
# and runs the demo on it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
bash scripts/stack/stack.sh up
exec node_modules/.bin/tsx scripts/demo.ts "$@"
