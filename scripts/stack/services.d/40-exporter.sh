# The reference platform's exporter (platform/exporter/main.ts): consumer health and lag, outbox
# backlog, cache staleness and corruption, regions' reachability and divergence, orphaned org rows,
# served on 127.0.0.1:$REBOUND_EXPORTER_PORT/metrics for Prometheus. Sourced by stack.sh.
EXTRA_SERVICES+=(exporter)

exporter_url() { echo "http://127.0.0.1:$REBOUND_EXPORTER_PORT"; }

exporter_start() {
  require_free_port 127.0.0.1 "$REBOUND_EXPORTER_PORT" REBOUND_EXPORTER_PORT
  (cd "$REPO_ROOT" && start_detached exporter "$REPO_ROOT/node_modules/.bin/tsx" "$REPO_ROOT/platform/exporter/main.ts")
}

exporter_ready() { pid_alive exporter && curl -fsS --max-time 3 -o /dev/null "$(exporter_url)/healthz"; }

exporter_stop() { stop_pidfile exporter 10; }

exporter_where() { echo "$(exporter_url)/metrics (log $RUN_DIR/exporter.log)"; }
