# Prometheus (Debian `prometheus`, 2.42) scraping the platform exporter and Rebound's API, with the
# alert rules of config/prometheus/rules.yml, sending alerts to the stack's Alertmanager. Its own
# process with its own config and data under the checkout's data dir, on loopback: never the
# package's systemd service. Sourced by stack.sh.
EXTRA_SERVICES+=(prometheus)

PROMETHEUS_BIN=/usr/bin/prometheus

# apt-get install the monitoring packages when missing (as root), without starting the packages'
# own services: a policy-rc.d that refuses every start for the duration of the install (Debian's
# documented switch), and no recommended extras (node exporter). A unit the package enabled stays
# inactive; the stack never uses it.
ensure_monitoring_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  is_root || die "missing Debian packages: ${missing[*]} (run: sudo apt-get install -y --no-install-recommends ${missing[*]})"
  say "installing Debian packages: ${missing[*]} (their services are not started)"
  local guard=/usr/sbin/policy-rc.d placed=0
  if [ ! -e "$guard" ]; then printf '#!/bin/sh\nexit 101\n' >"$guard" && chmod 755 "$guard" && placed=1; fi
  local ok=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$RUN_DIR/apt.log" 2>&1 ||
    { apt-get update -qq >>"$RUN_DIR/apt.log" 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$RUN_DIR/apt.log" 2>&1; } ||
    ok=1
  [ $placed = 1 ] && rm -f "$guard"
  [ $ok = 0 ] || die "apt-get install ${missing[*]} failed, see $RUN_DIR/apt.log"
}

prometheus_install() { ensure_monitoring_packages prometheus prometheus-alertmanager; }

prometheus_url() { echo "http://127.0.0.1:$REBOUND_PROMETHEUS_PORT"; }

# Renders a config template: each ${NAME} given as NAME=value is replaced (sed, no other tool).
render_template() {
  local src="$1" dst="$2" expr=() kv
  shift 2
  for kv in "$@"; do expr+=(-e "s|\${${kv%%=*}}|${kv#*=}|g"); done
  sed "${expr[@]}" "$src" >"$dst.tmp" && mv "$dst.tmp" "$dst"
}

prometheus_start() {
  require_free_port 127.0.0.1 "$REBOUND_PROMETHEUS_PORT" REBOUND_PROMETHEUS_PORT
  local dir="$DATA_DIR/prometheus"
  mkdir -p "$dir/tsdb"
  render_template "$REPO_ROOT/config/prometheus/prometheus.yml" "$dir/prometheus.yml" \
    "ALERTMANAGER_TARGET=127.0.0.1:$REBOUND_ALERTMANAGER_PORT" \
    "RULES_FILE=$REPO_ROOT/config/prometheus/rules.yml" \
    "EXPORTER_TARGET=127.0.0.1:$REBOUND_EXPORTER_PORT" \
    "API_TARGET=$REBOUND_API_HOST:$REBOUND_API_PORT" \
    "PROMETHEUS_TARGET=127.0.0.1:$REBOUND_PROMETHEUS_PORT"
  "${PROMETHEUS_BIN%/*}/promtool" check config "$dir/prometheus.yml" >"$RUN_DIR/prometheus-check.log" 2>&1 ||
    die "invalid Prometheus config, see $RUN_DIR/prometheus-check.log"
  start_detached prometheus "$PROMETHEUS_BIN" --config.file="$dir/prometheus.yml" \
    --storage.tsdb.path="$dir/tsdb" --storage.tsdb.retention.time=2d \
    --web.listen-address="127.0.0.1:$REBOUND_PROMETHEUS_PORT" --web.external-url="$(prometheus_url)" \
    --web.enable-lifecycle
}

prometheus_ready() { pid_alive prometheus && curl -fsS --max-time 3 -o /dev/null "$(prometheus_url)/-/ready"; }

prometheus_stop() { stop_pidfile prometheus 15; }

prometheus_where() { echo "$(prometheus_url) (alerts $(prometheus_url)/alerts, log $RUN_DIR/prometheus.log)"; }
