# Temporal dev server: the CLI built from source with `go install`, SQLite persistence per checkout.
TEMPORAL_HOME="$CACHE_DIR/temporal-$TEMPORAL_CLI_VERSION"
TEMPORAL_BIN="$TEMPORAL_HOME/temporal"

# Rebound's custom search attributes (list views filter on them; see shared/search-attributes.ts).
TEMPORAL_SEARCH_ATTRIBUTES=(
  ReboundPlaybook=Keyword
  ReboundResource=Keyword
  ReboundPhase=Keyword
  ReboundOutcome=Keyword
  ReboundIncidentKey=Keyword
)

temporal_install() {
  [ -x "$TEMPORAL_BIN" ] && return 0
  command -v go >/dev/null || die "Go is required to build the Temporal CLI (go install)"
  say "building Temporal CLI v$TEMPORAL_CLI_VERSION with go install (first run only, a few minutes)"
  mkdir -p "$TEMPORAL_HOME"
  GOBIN="$TEMPORAL_HOME" GOFLAGS=-buildvcs=false go install "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION" \
    >"$RUN_DIR/temporal-install.log" 2>&1 || die "go install of the Temporal CLI failed, see $RUN_DIR/temporal-install.log"
}

temporal_ready() {
  "$TEMPORAL_BIN" operator cluster health --address "$REBOUND_TEMPORAL_ADDRESS" 2>/dev/null | grep -q SERVING
}

temporal_start() {
  if pid_alive temporal; then return 0; fi
  local host="${REBOUND_TEMPORAL_ADDRESS%:*}" port="${REBOUND_TEMPORAL_ADDRESS##*:}"
  require_free_port "$host" "$port" REBOUND_TEMPORAL_ADDRESS
  mkdir -p "$DATA_DIR/temporal"
  local args=(server start-dev --ip "$host" --port "$port" --ui-port "$REBOUND_TEMPORAL_UI_PORT"
    --db-filename "$DATA_DIR/temporal/temporal.db" --namespace "$REBOUND_TEMPORAL_NAMESPACE" --log-level warn
    --dynamic-config-value frontend.enableUpdateWorkflowExecution=true
    --dynamic-config-value frontend.enableUpdateWorkflowExecutionAsyncAccepted=true)
  local sa
  for sa in "${TEMPORAL_SEARCH_ATTRIBUTES[@]}"; do args+=(--search-attribute "$sa"); done
  start_detached temporal "$TEMPORAL_BIN" "${args[@]}"
}

temporal_wait() {
  wait_until 60 temporal temporal_ready || die "Temporal did not become healthy in 60s, see $RUN_DIR/temporal.log"
}

temporal_stop() { stop_pidfile temporal 20; }
