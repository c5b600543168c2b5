# PostgreSQL from Debian, with its own cluster per checkout on loopback (TCP only, SCRAM auth).
PG_BIN="/usr/lib/postgresql/$POSTGRES_MAJOR/bin"

pg_install() {
  [ -x "$PG_BIN/postgres" ] || ensure_debian_packages "postgresql-$POSTGRES_MAJOR" "postgresql-client-$POSTGRES_MAJOR"
}

# Postgres refuses to run as root, so as root it runs as the Debian 'postgres' user. That user must
# be able to reach the data folder; when the checkout sits somewhere it cannot (a 0700 home), the
# cluster and its log go to a per-checkout folder under /var/lib/rebound instead (the log is
# linked into .rebound/run/ so it is found where the others are).
pg_resolve_datadir() {
  PG_DATA="$DATA_DIR/postgres"
  PG_LOG="$RUN_DIR/postgres.log"
  PG_RELOCATED=""
  if is_root; then
    mkdir -p "$DATA_DIR"
    if ! runuser -u postgres -- test -x "$DATA_DIR"; then
      local key
      key="$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12)"
      PG_DATA="/var/lib/rebound/$key/postgres"
      PG_RELOCATED="$(dirname "$PG_DATA")"
      PG_LOG="$PG_RELOCATED/postgres.log"
      mkdir -p "$PG_RELOCATED"
      chmod 755 /var/lib/rebound "$PG_RELOCATED"
    fi
  fi
}

# From / : the postgres user may not be allowed into the checkout the caller stands in.
pg_as_owner() {
  if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

pg_ready() { "$PG_BIN/pg_isready" -q -h "$REBOUND_PG_HOST" -p "$REBOUND_PG_PORT"; }

pg_running() {
  pg_resolve_datadir
  [ -f "$PG_DATA/postmaster.pid" ] && pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

pg_init() {
  pg_resolve_datadir
  [ -f "$PG_DATA/PG_VERSION" ] && return 0
  say "initialising a PostgreSQL $POSTGRES_MAJOR cluster in $PG_DATA"
  mkdir -p "$PG_DATA"
  is_root && chown postgres:postgres "$PG_DATA"
  chmod 700 "$PG_DATA"
  local pwfile
  pwfile="$(mktemp)"
  printf '%s\n' "$REBOUND_PG_PASSWORD" >"$pwfile"
  is_root && chown postgres "$pwfile"
  pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U "$REBOUND_PG_USER" --pwfile="$pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$RUN_DIR/postgres-init.log" 2>&1 ||
    { rm -f "$pwfile"; die "initdb failed, see $RUN_DIR/postgres-init.log"; }
  rm -f "$pwfile"
}

pg_start() {
  pg_init
  if pg_running; then return 0; fi
  require_free_port "$REBOUND_PG_HOST" "$REBOUND_PG_PORT" REBOUND_PG_PORT
  local logfile="$PG_LOG"
  touch "$logfile"
  is_root && chown postgres "$logfile"
  [ "$logfile" = "$RUN_DIR/postgres.log" ] || ln -sfn "$logfile" "$RUN_DIR/postgres.log"
  # No unix socket: a deep checkout path can exceed the socket path limit, and TCP is all we use.
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$logfile" -w -t 60 \
    -o "-c listen_addresses=$REBOUND_PG_HOST -p $REBOUND_PG_PORT -c unix_socket_directories='' -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || die "PostgreSQL did not start, see $logfile"
  # pg_ctl's own pid file is postmaster.pid; keep a pointer so 'status' can name it.
  record_pid postgres "$(head -1 "$PG_DATA/postmaster.pid")"
}

pg_wait() {
  wait_until 60 postgres pg_ready || die "PostgreSQL is not accepting connections, see $RUN_DIR/postgres.log"
  local db
  for db in "$REBOUND_PLATFORM_DB" "$REBOUND_STATE_DB"; do
    PGPASSWORD="$REBOUND_PG_PASSWORD" "$PG_BIN/psql" -h "$REBOUND_PG_HOST" -p "$REBOUND_PG_PORT" -U "$REBOUND_PG_USER" -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
      PGPASSWORD="$REBOUND_PG_PASSWORD" "$PG_BIN/createdb" -h "$REBOUND_PG_HOST" -p "$REBOUND_PG_PORT" -U "$REBOUND_PG_USER" "$db"
  done
}

pg_stop() {
  if pg_running; then pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null || true; fi
  rm -f "$(pid_file postgres)" "$(pid_file postgres).start"
}
