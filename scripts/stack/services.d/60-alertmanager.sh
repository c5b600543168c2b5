# Alertmanager (Debian `prometheus-alertmanager`, 0.25) delivering the stack's alerts to Rebound's
# webhook with the `alertmanager` dev token (read from a file: credentials_file). One peer of an
# HA-shaped setup (its cluster port on loopback, no peers), its own config and data under the
# checkout's data dir; never the package's systemd service. Sourced by stack.sh, after the API
# wrote the dev tokens.
EXTRA_SERVICES+=(alertmanager)

ALERTMANAGER_BIN=/usr/bin/prometheus-alertmanager

alertmanager_url() { echo "http://127.0.0.1:$REBOUND_ALERTMANAGER_PORT"; }

alertmanager_start() {
  require_free_port 127.0.0.1 "$REBOUND_ALERTMANAGER_PORT" REBOUND_ALERTMANAGER_PORT
  require_free_port 127.0.0.1 "$REBOUND_ALERTMANAGER_CLUSTER_PORT" REBOUND_ALERTMANAGER_CLUSTER_PORT
  local dir="$DATA_DIR/alertmanager"
  mkdir -p "$dir/data"
  # The token alone, in a file only this user reads (Alertmanager re-reads it on every request).
  (umask 077 && cd "$REPO_ROOT" && node -e '
    const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).alertmanager;
    if (!t || !t.token) { console.error("no alertmanager principal in " + process.argv[1]); process.exit(1); }
    process.stdout.write(t.token);' "$STATE_DIR/dev-tokens.json" >"$dir/rebound-token") ||
    die "could not read the alertmanager dev token from $STATE_DIR/dev-tokens.json"
  render_template "$REPO_ROOT/config/alertmanager/alertmanager.yml" "$dir/alertmanager.yml" \
    "REBOUND_WEBHOOK_URL=http://$REBOUND_API_HOST:$REBOUND_API_PORT/v1/alerts/alertmanager" \
    "REBOUND_TOKEN_FILE=$dir/rebound-token"
  "${ALERTMANAGER_BIN%/*}/amtool" check-config "$dir/alertmanager.yml" >"$RUN_DIR/alertmanager-check.log" 2>&1 ||
    die "invalid Alertmanager config, see $RUN_DIR/alertmanager-check.log"
  start_detached alertmanager "$ALERTMANAGER_BIN" --config.file="$dir/alertmanager.yml" \
    --storage.path="$dir/data" --web.listen-address="127.0.0.1:$REBOUND_ALERTMANAGER_PORT" \
    --web.external-url="$(alertmanager_url)" \
    --cluster.listen-address="127.0.0.1:$REBOUND_ALERTMANAGER_CLUSTER_PORT" \
    --cluster.advertise-address="127.0.0.1:$REBOUND_ALERTMANAGER_CLUSTER_PORT"
}

alertmanager_ready() { pid_alive alertmanager && curl -fsS --max-time 3 -o /dev/null "$(alertmanager_url)/-/ready"; }

alertmanager_stop() { stop_pidfile alertmanager 15; }

alertmanager_where() {
  echo "$(alertmanager_url) (cluster 127.0.0.1:$REBOUND_ALERTMANAGER_CLUSTER_PORT, log $RUN_DIR/alertmanager.log)"
}
