# Redis from Debian, on loopback, data in the checkout.
REDIS_BIN="$(command -v redis-server || echo /usr/bin/redis-server)"

redis_install() { [ -x "$REDIS_BIN" ] || { ensure_debian_packages redis-server redis-tools; REDIS_BIN=/usr/bin/redis-server; }; }

redis_host() { local hp="${REBOUND_REDIS_URL#redis://}"; hp="${hp%%/*}"; echo "${hp%:*}"; }
redis_port() { local hp="${REBOUND_REDIS_URL#redis://}"; hp="${hp%%/*}"; echo "${hp##*:}"; }
redis_ready() { redis-cli -h "$(redis_host)" -p "$(redis_port)" ping 2>/dev/null | grep -q PONG; }

redis_start() {
  if pid_alive redis; then return 0; fi
  require_free_port "$(redis_host)" "$(redis_port)" REBOUND_REDIS_URL
  mkdir -p "$DATA_DIR/redis"
  # Foreground under our own pid file (not --daemonize) so stop is by the pid we recorded.
  start_detached redis "$REDIS_BIN" --bind "$(redis_host)" --port "$(redis_port)" --dir "$DATA_DIR/redis" \
    --save "" --appendonly yes --protected-mode yes
}

redis_wait() { wait_until 30 redis redis_ready || die "Redis did not answer PING, see $RUN_DIR/redis.log"; }

redis_stop() { stop_pidfile redis 10; }
