# The Rebound HTTP API (client/api/main.ts). Before it starts, the dev tokens are created (or
# completed) in .rebound/dev-tokens.json, their digests in .rebound/api-tokens.json, and printed.
# Sourced by stack.sh.
EXTRA_SERVICES+=(api)

api_url() { echo "http://$REBOUND_API_HOST:$REBOUND_API_PORT"; }

api_start() {
  require_free_port "$REBOUND_API_HOST" "$REBOUND_API_PORT" REBOUND_API_PORT
  (cd "$REPO_ROOT" && node_modules/.bin/tsx client/auth/write-dev-tokens.ts) >&2 || die "could not write the dev tokens"
  # The operator console the API serves at / (console/src compiled to dist/console; seconds).
  (cd "$REPO_ROOT" && node_modules/.bin/tsc -p console/tsconfig.json) >&2 || die "could not build the console"
  # The dev stack's safety policy (short windows for the demo); production uses config/policy.yaml.
  # The dev stack's guardrail windows (config/routing.dev-overrides.yaml), same routes.
  # (ensure_dev_routing and dev_routing_file are in 10-worker.sh: the worker reads the same file.)
  ensure_dev_routing
  (cd "$REPO_ROOT" && export REBOUND_POLICY_FILE="${REBOUND_POLICY_FILE:-$REPO_ROOT/config/policy.dev.yaml}" &&
    export REBOUND_ROUTING_FILE="$(dev_routing_file)" &&
    start_detached api "$REPO_ROOT/node_modules/.bin/tsx" "$REPO_ROOT/client/api/main.ts")
}

# Ready when /readyz answers 200: Temporal and the API's own dependencies are reachable.
api_ready() {
  pid_alive api && curl -fsS --max-time 3 -o /dev/null "$(api_url)/readyz"
}

api_stop() { stop_pidfile api 15; }

api_where() { echo "$(api_url) (console $(api_url)/, OpenAPI $(api_url)/openapi.json, dev tokens $STATE_DIR/dev-tokens.json)"; }
