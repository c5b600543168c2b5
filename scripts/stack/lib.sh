# Shared helpers for the stack scripts: paths, logging, pid files, waiting.
# Sourced, never executed. Paths: tools live in a per-user cache keyed by version; data, logs and
# pid files live in the checkout's ignored .rebound/ folder.
set -euo pipefail

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$STACK_DIR/../.." && pwd)"
# shellcheck source=versions.env
source "$STACK_DIR/versions.env"

CACHE_DIR="${REBOUND_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rebound}"
STATE_DIR="$REPO_ROOT/.rebound"
DATA_DIR="${REBOUND_DATA_DIR:-$STATE_DIR/data}"
RUN_DIR="$STATE_DIR/run"
mkdir -p "$CACHE_DIR" "$DATA_DIR" "$RUN_DIR"

say() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

# Load the addresses from the one config module (shared/config.ts) so bash and TypeScript agree.
load_config() {
  [ -n "${REBOUND_CONFIG_LOADED:-}" ] && return 0
  [ -d "$REPO_ROOT/node_modules" ] || die "node_modules missing: run 'npm ci' first (the test and demo commands do)"
  local env_lines
  env_lines="$(cd "$REPO_ROOT" && node_modules/.bin/tsx scripts/print-stack-env.ts)" || die "invalid configuration (see above)"
  eval "$env_lines"
  export REBOUND_CONFIG_LOADED=1
}

# apt-get install only what is missing, and only as root; otherwise say what to install.
ensure_debian_packages() {
  local missing=()
  local pkg
  # A removed package keeps a dpkg record (state "rc"), so ask for the installed state explicitly.
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! is_root; then die "missing Debian packages: ${missing[*]} (run: sudo apt-get install -y ${missing[*]})"; fi
  say "installing Debian packages: ${missing[*]}"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >"$RUN_DIR/apt.log" 2>&1; then
    apt-get update -qq >>"$RUN_DIR/apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >>"$RUN_DIR/apt.log" 2>&1 ||
      die "apt-get install ${missing[*]} failed, see $RUN_DIR/apt.log"
  fi
}

pid_file() { echo "$RUN_DIR/$1.pid"; }

# The kernel's start time of a process (clock ticks since boot, /proc/<pid>/stat field 22), read
# after the ")" that ends the command name, since that name may contain spaces.
proc_start_time() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }

# Records a part's pid (the pid file holds the pid alone, for anyone who stops a part by it) and,
# beside it, the process's start time, so a pid the kernel reused for another process later is
# not taken for the part.
record_pid() {
  echo "$2" >"$(pid_file "$1")"
  proc_start_time "$2" >"$(pid_file "$1").start"
}

# True when the pid file names a live process that is the one recorded. A stale pid file (dead
# process, or a pid reused by another process since) is removed.
pid_alive() {
  local f
  f="$(pid_file "$1")"
  [ -f "$f" ] || return 1
  local pid
  pid="$(cat "$f")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    if [ ! -f "$f.start" ] || [ "$(cat "$f.start")" = "$(proc_start_time "$pid")" ]; then return 0; fi
  fi
  rm -f "$f" "$f.start"
  return 1
}

# Start a long-running process detached from this shell, recording its pid.
start_detached() {
  local name="$1"
  shift
  setsid nohup "$@" >"$RUN_DIR/$name.log" 2>&1 </dev/null &
  record_pid "$name" $!
}

# Stop a process we started: SIGTERM, wait, then SIGKILL. Never matches by process name. Processes
# started by start_detached lead their own process group (setsid), so the whole group is signalled:
# a launcher such as tsx runs the real program as its child, which must not survive as an orphan.
group_alive() { kill -0 -- "-$1" 2>/dev/null || kill -0 "$1" 2>/dev/null; }
signal_group() { kill "-$2" -- "-$1" 2>/dev/null || kill "-$2" "$1" 2>/dev/null || true; }

stop_pidfile() {
  local name="$1" grace="${2:-20}"
  local f
  f="$(pid_file "$name")"
  [ -f "$f" ] || return 0
  local pid
  pid="$(cat "$f")"
  if group_alive "$pid"; then
    signal_group "$pid" TERM
    local i
    for ((i = 0; i < grace * 10; i++)); do group_alive "$pid" || break; sleep 0.1; done
    if group_alive "$pid"; then
      say "$name did not stop in ${grace}s, killing"
      signal_group "$pid" KILL
    fi
  fi
  rm -f "$f" "$f.start"
}

# wait_until <seconds> <description> <command...>: poll until the command succeeds.
wait_until() {
  local timeout="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.3
  done
}

port_in_use() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Fail early with the variable to change when a port we need is taken by someone else.
require_free_port() {
  local host="$1" port="$2" var="$3"
  if port_in_use "$host" "$port"; then die "port $host:$port is in use by another process; set $var to a free port"; fi
}
