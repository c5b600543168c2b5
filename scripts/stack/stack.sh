#!/usr/bin/env bash
# rebound stack up|down|status|install — the real local stack as processes on loopback.
# up: installs what is missing (cached per user by version), starts what is not running, waits
#     until every server answers, applies migrations, prints where each runs. A no-op when up.
# down: stops what this checkout started, by pid file. status: reports each part; exit 3 if any is down.
# reset: down, then deletes this checkout's data, logs, tokens and keys (.rebound/), keeping the
#     per-user caches of tools and npm packages, for a clean slate.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$STACK_DIR/temporal.sh"
source "$STACK_DIR/postgres.sh"
source "$STACK_DIR/redis.sh"
source "$STACK_DIR/kafka.sh"
source "$STACK_DIR/test-server.sh"
SERVERS=(temporal postgres redis kafka)
# Rebound's own processes (worker, API, reference consumer), started after the servers in file
# name order. Each services.d/NN-name.sh appends its name to EXTRA_SERVICES and defines
# <name>_start, <name>_stop, <name>_ready and <name>_where.
EXTRA_SERVICES=()
for extra in "$STACK_DIR"/services.d/*.sh; do [ -f "$extra" ] && source "$extra"; done

usage() {
  cat <<USAGE
usage: rebound stack <command>

  up       install what is missing, start the local stack, wait until it answers, apply migrations
  down     stop every process of the stack that this checkout started
  status   show each part and whether it answers (exit 3 when any part is down)
  reset    stop the stack and delete this checkout's data (.rebound/: databases, Kafka logs,
           Temporal history, logs, dev tokens, keys); the per-user tool caches stay
  install  only download/build the tools (Temporal CLI, Kafka jars, test server, Debian packages)
USAGE
}

install_all() {
  temporal_install
  pg_install
  redis_install
  kafka_install
  test_server_install
  # A part of services.d may bring its own install step (<name>_install).
  local svc
  for svc in "${EXTRA_SERVICES[@]}"; do
    if declare -F "${svc}_install" >/dev/null; then "${svc}_install"; fi
  done
}

ready_of() {
  case "$1" in
    temporal) temporal_ready ;;
    postgres) pg_ready ;;
    redis) redis_ready ;;
    kafka) kafka_ready ;;
    *) "${1}_ready" ;;
  esac
}

where_of() {
  case "$1" in
    temporal) echo "$REBOUND_TEMPORAL_ADDRESS (web UI http://${REBOUND_TEMPORAL_ADDRESS%:*}:$REBOUND_TEMPORAL_UI_PORT)" ;;
    postgres) echo "$REBOUND_PG_HOST:$REBOUND_PG_PORT (databases $REBOUND_PLATFORM_DB, $REBOUND_STATE_DB)" ;;
    redis) echo "$REBOUND_REDIS_URL" ;;
    kafka) echo "$REBOUND_KAFKA_BROKERS (controller :$REBOUND_KAFKA_CONTROLLER_PORT)" ;;
    *) "${1}_where" ;;
  esac
}

cmd_up() {
  load_config
  install_all
  local started=()
  pid_alive temporal || { temporal_start; started+=(temporal); }
  pg_running || { pg_start; started+=(postgres); }
  pid_alive redis || { redis_start; started+=(redis); }
  pid_alive kafka || { kafka_start; started+=(kafka); }
  temporal_wait
  pg_wait
  redis_wait
  kafka_wait
  (cd "$REPO_ROOT" && node_modules/.bin/tsx scripts/migrate.ts --quiet) || die "migrations failed"
  (cd "$REPO_ROOT" && node_modules/.bin/tsx platform/provision-topics.ts --quiet) || die "creating the platform's Kafka topics failed"
  local svc
  for svc in "${EXTRA_SERVICES[@]}"; do
    pid_alive "$svc" || { "${svc}_start"; started+=("$svc"); }
    wait_until 60 "$svc" "${svc}_ready" || die "$svc did not become ready, see $RUN_DIR/$svc.log"
  done
  if [ ${#started[@]} -eq 0 ]; then say "already up, nothing started"; else say "started: ${started[*]}"; fi
  cmd_status
}

cmd_down() {
  load_config
  local svc
  for ((i = ${#EXTRA_SERVICES[@]} - 1; i >= 0; i--)); do "${EXTRA_SERVICES[$i]}_stop"; done
  kafka_stop
  redis_stop
  pg_stop
  temporal_stop
  say "stopped"
}

cmd_reset() {
  cmd_down
  local dir
  pg_resolve_datadir
  # A cluster relocated under /var/lib/rebound (checkout unreachable for the postgres user) too.
  [ -n "$PG_RELOCATED" ] && [ -d "$PG_RELOCATED" ] && rm -rf "$PG_RELOCATED"
  for dir in "$DATA_DIR" "$STATE_DIR"; do
    # Never delete outside a folder that looks like Rebound's own (REBOUND_DATA_DIR may point anywhere).
    case "$dir" in "" | / | "$HOME" | "$REPO_ROOT") die "refusing to delete $dir" ;; esac
    [ -d "$dir" ] && rm -rf "$dir"
  done
  say "removed this checkout's data ($STATE_DIR); per-user caches in $CACHE_DIR are kept"
}

cmd_status() {
  load_config
  local part down=0 state
  for part in "${SERVERS[@]}" "${EXTRA_SERVICES[@]}"; do
    local running=no
    if [ "$part" = postgres ]; then pg_running && running=yes; else pid_alive "$part" && running=yes; fi
    if [ $running = yes ] && ready_of "$part"; then
      state="up"
    elif [ $running = yes ]; then
      state="starting"; down=1
    else
      state="down"; down=1
    fi
    printf '%-10s %-9s %s\n' "$part" "$state" "$(where_of "$part")"
  done
  return $((down * 3))
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  install) load_config; install_all ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
