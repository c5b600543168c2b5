#!/usr/bin/env bash
# The test command (`npm test`): installs what is missing, starts the real local stack, then
# checks the lock file, type-checks, lints, checks formatting and runs every Jest project: unit,
# integration and e2e together, then the fault tests (which stop parts of the stack) alone, and
# ends with a `failures` section naming each failed file and test (scripts/test-summary.ts).
# Extra arguments go to Jest and select what runs (e.g. `npm test -- test/unit`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Help before anything is installed or started (Jest's own options: `npx jest --help`).
for arg in "$@"; do
  case "$arg" in
    -h | --help) sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  esac
done

started=$SECONDS
phase() { printf '\n== %s (t+%ss)\n' "$1" "$((SECONDS - started))"; }

phase "install npm packages"
bash scripts/bootstrap.sh
phase "lock file agrees with package.json"
bash scripts/check-lock.sh
phase "start the local stack (installs tools on first run)"
bash scripts/stack/stack.sh up
phase "headless browser for the console tests (Debian chromium)"
bash scripts/ensure-chromium.sh
phase "build the operator console"
node_modules/.bin/tsc -p console/tsconfig.json
phase "alert rules (promtool) and the test run's silence of the platform's alerts"
promtool check rules config/prometheus/rules.yml
silence_id="$(bash scripts/test-silence.sh start)"
trap 'bash scripts/test-silence.sh end "$silence_id"' EXIT
phase "type-check"
node_modules/.bin/tsc -p tsconfig.json --noEmit
phase "lint"
node_modules/.bin/eslint --max-warnings 0 .
phase "format"
node_modules/.bin/prettier --check . >/dev/null || { node_modules/.bin/prettier --check . | tail -20; exit 1; }
status=0
# Each Jest phase also writes its result as JSON; the failures are printed again at the very end,
# where a reader of only the log's tail (CI keeps the tail) sees them.
results=.rebound/test-results
rm -rf "$results" && mkdir -p "$results"
summary=()
if [ $# -gt 0 ]; then
  phase "jest $*"
  summary+=("jest=$results/jest.json")
  node_modules/.bin/jest --maxWorkers=2 --json --outputFile="$results/jest.json" "$@" || status=$?
else
  phase "jest: unit, integration, e2e"
  summary+=("unit, integration, e2e=$results/main.json")
  node_modules/.bin/jest --maxWorkers=2 --json --outputFile="$results/main.json" \
    --selectProjects unit integration e2e || status=$?
  phase "jest: faults (one file at a time, each in a new process)"
  # One worker, recycled after every file (a memory limit every worker exceeds): these tests kill
  # and restart the servers under clients that keep reconnecting, and a client one file left behind
  # must not throw inside the next file's hooks (in one process it failed a suite whose tests had
  # all passed). --forceExit: such a handle must not hold the test command open either.
  summary+=("faults=$results/faults.json")
  node_modules/.bin/jest --maxWorkers=1 --workerIdleMemoryLimit=1MB --forceExit --json \
    --outputFile="$results/faults.json" --selectProjects faults || status=$?
fi
if [ "${CI:-}" = true ]; then
  # The silence lives in Alertmanager: expire it while Alertmanager still runs.
  bash scripts/test-silence.sh end "$silence_id"
  trap - EXIT
  phase "stop the stack (CI)"
  bash scripts/stack/stack.sh down
fi
phase "failures"
node_modules/.bin/tsx scripts/test-summary.ts "${summary[@]}" || true
printf '\n== done in %ss (exit %s)\n' "$((SECONDS - started))" "$status"
exit $status
