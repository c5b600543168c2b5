#!/usr/bin/env bash
# The fresh-machine check (`npm run fresh-check`): runs the README's two commands the way a new
# user meets them, in a temporary clone of this repository's HEAD with every per-user cache
# pointed at an empty folder (npm, Maven, Go modules and build cache, Rebound's tool cache) and no
# server running, then prints the time of each phase. The sequence is the one a user goes through:
#
#   1. npm test                         (installs everything, starts the stack, runs every test)
#   2. npm run demo                     (on the stack the tests used)
#   3. npm run demo                     (again: independent of the first run)
#   4. rebound stack down && npm run demo
#
# Options: --skip-demo (phase 1 only), --keep (keep the temporary folder for inspection),
#          --warm (reuse this user's caches: measures a second fresh clone on the same machine),
#          --demo-only (the main job alone on a fresh machine: npm run demo, then again).
# The Debian packages (PostgreSQL, Redis, Prometheus, Alertmanager, Chromium) are machine-wide, not per-user caches: they stay.
# Exit 0 only if every phase passed. The table is also written to <tmp>/fresh-check.txt.
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

skip_demo=0 keep=0 warm=0 demo_only=0
for arg in "$@"; do
  case "$arg" in
    --skip-demo) skip_demo=1 ;;
    --keep) keep=1 ;;
    --warm) warm=1 ;;
    --demo-only) demo_only=1 ;;
    -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fresh-check: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '[fresh-check] %s\n' "$*" >&2; }

# A fresh machine runs no server: refuse to start while anything listens on the stack's ports,
# rather than measure a run that reused (or fought with) someone's running stack.
busy=()
for port in 7233 8233 5432 6379 9092 19093 8080 9090 9093 9094 9102; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then busy+=("$port"); fi
done
if [ ${#busy[@]} -gt 0 ]; then
  say "error: ports ${busy[*]} are in use on 127.0.0.1; stop the running stack first ('bin/rebound stack down' in its checkout)"
  exit 1
fi
if [ -n "$(git -C "$src" status --porcelain --untracked-files=no)" ]; then
  say "note: uncommitted changes are not part of the check (it clones HEAD $(git -C "$src" rev-parse --short HEAD))"
fi

root="$(mktemp -d "${TMPDIR:-/tmp}/rebound-fresh-XXXXXX")"
clone="$root/main"
git clone --quiet --no-hardlinks "$src" "$clone"
# The commit under test is the clone's: the source checkout may move on while the check runs.
checked="$(git -C "$clone" rev-parse --short HEAD)"
# CI runs with the steering repo's shared/ beside the clone; so does this check.
[ -d "$src/../shared" ] && cp -r "$src/../shared" "$root/shared"

if [ $warm -eq 0 ]; then
  home="$root/home"
  mkdir -p "$home/.config"
  # Client configuration (registry settings, git identity, Go's toolchain policy) is not a cache:
  # a fresh machine has it too.
  for f in .npmrc .gitconfig .m2/settings.xml .config/go/env; do
    if [ -f "$HOME/$f" ]; then mkdir -p "$(dirname "$home/$f")" && cp "$HOME/$f" "$home/$f"; fi
  done
  export HOME="$home"
  unset XDG_CACHE_HOME REBOUND_CACHE_DIR npm_config_cache NPM_CONFIG_CACHE GOPATH GOMODCACHE GOCACHE MAVEN_OPTS
fi
# Nothing of the caller's stack configuration leaks in: defaults, as on a new machine.
while IFS='=' read -r name _; do unset "$name"; done < <(env | grep -E '^REBOUND_[A-Z_]+=' | grep -v '^REBOUND_CACHE_DIR=' || true)
unset CI

report="$root/fresh-check.txt"
results=()
failed=0
cleanup() {
  (cd "$clone" && [ -x node_modules/.bin/tsx ] && bash scripts/stack/stack.sh down >/dev/null 2>&1) || true
  if [ $keep -eq 0 ] && [ $failed -eq 0 ]; then
    rm -rf "$clone" "$root/home" "$root/shared"
  fi
}
trap cleanup EXIT

phase() {
  local name="$1"
  shift
  local log="$root/phase-$((${#results[@]} + 1)).log"
  say "phase: $name (log $log)"
  local t0=$SECONDS status=0
  (cd "$clone" && "$@") >"$log" 2>&1 || status=$?
  local took=$((SECONDS - t0))
  local verdict=passed
  [ $status -eq 0 ] || { verdict="FAILED (exit $status)"; failed=1; }
  results+=("$(printf '%-40s %6ss  %s' "$name" "$took" "$verdict")")
  say "  $verdict in ${took}s"
  [ $status -eq 0 ] || tail -25 "$log" >&2
  return $status
}

started=$SECONDS
if [ $demo_only -eq 1 ]; then
  phase "npm run demo (fresh machine)" npm run demo || true
  phase "npm run demo (again)" npm run demo || true
else
  phase "npm test" npm test || true
fi
# The demo phases run even after a failed test phase: a user runs both commands, and each
# result is worth knowing (the exit status still says whether every phase passed).
if [ $demo_only -eq 0 ] && [ $skip_demo -eq 0 ]; then
  phase "npm run demo (after npm test)" npm run demo || true
  phase "npm run demo (again)" npm run demo || true
  phase "rebound stack down && npm run demo" bash -c 'bin/rebound stack down && npm run demo' || true
fi

{
  echo "fresh-machine check of $checked, $(date -u +%Y-%m-%dT%H:%M:%SZ), caches: $([ $warm -eq 1 ] && echo "this user's (warm)" || echo 'empty')"
  printf '%-40s %7s  %s\n' phase time result
  printf '%s\n' "${results[@]}"
  echo "total $((SECONDS - started))s"
} | tee "$report"
say "table written to $report; phase logs in $root"
exit $failed
