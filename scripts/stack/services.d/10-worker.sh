# The Rebound worker (workers/main.ts): the workflow worker and one activity worker per
# infrastructure on the $REBOUND_TASK_QUEUE_PREFIX queues. Sourced by stack.sh.
EXTRA_SERVICES+=(worker)

# The dev stack's guardrail windows (config/routing.dev-overrides.yaml over config/routing.yaml,
# same routes), written to the data folder; worker and API must read the same routing file, since
# the worker refuses any workflow input looser than its own files. Used by 20-api.sh too.
ensure_dev_routing() {
  [ -n "${REBOUND_ROUTING_FILE:-}" ] && return 0
  (cd "$REPO_ROOT" && node_modules/.bin/tsx scripts/stack/dev-routing.ts "$DATA_DIR/routing.dev.yaml") ||
    die "could not write the dev routing file"
}
dev_routing_file() { echo "${REBOUND_ROUTING_FILE:-$DATA_DIR/routing.dev.yaml}"; }

worker_start() {
  # Run from the checkout so relative paths (config/, .rebound/) resolve the same as in tests.
  # The same policy and routing files as the API (20-api.sh): the worker holds every workflow
  # input to them.
  # Its memory bounded as workers/worker-memory.ts does for test and benchmark workers: the V8
  # old space of REBOUND_WORKER_HEAP_MB (exported from the config by lib.sh) and two malloc arenas.
  ensure_dev_routing
  (cd "$REPO_ROOT" && export REBOUND_POLICY_FILE="${REBOUND_POLICY_FILE:-$REPO_ROOT/config/policy.dev.yaml}" &&
    export REBOUND_ROUTING_FILE="$(dev_routing_file)" &&
    export NODE_OPTIONS="--max-old-space-size=$REBOUND_WORKER_HEAP_MB${NODE_OPTIONS:+ $NODE_OPTIONS}" &&
    export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" &&
    start_detached worker "$REPO_ROOT/node_modules/.bin/tsx" "$REPO_ROOT/workers/main.ts")
}

# Ready once it logged that it polls its queues (after bundling the workflows and connecting).
worker_ready() {
  pid_alive worker && grep -q 'polling the workflow task queue and its activity queues' "$RUN_DIR/worker.log"
}

# SIGTERM lets the SDK finish in-flight tasks; a workflow task is never lost either way.
worker_stop() { stop_pidfile worker 30; }

worker_where() { echo "task queues ${REBOUND_TASK_QUEUE_PREFIX}-workflows|control|postgres|redis|kafka (log $RUN_DIR/worker.log)"; }
