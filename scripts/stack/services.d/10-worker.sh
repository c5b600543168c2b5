# The Rebound worker (workers/main.ts): the workflow worker and one activity worker per
# infrastructure on the $REBOUND_TASK_QUEUE_PREFIX queues. Sourced by stack.sh.
EXTRA_SERVICES+=(worker)

worker_start() {
  # Run from the checkout so relative paths (config/, .rebound/) resolve the same as in tests.
  # The same policy file as the API (20-api.sh): the worker holds every workflow input to it.
  (cd "$REPO_ROOT" && export REBOUND_POLICY_FILE="${REBOUND_POLICY_FILE:-$REPO_ROOT/config/policy.dev.yaml}" &&
    start_detached worker "$REPO_ROOT/node_modules/.bin/tsx" "$REPO_ROOT/workers/main.ts")
}

# Ready once it logged that it polls its queues (after bundling the workflows and connecting).
worker_ready() {
  pid_alive worker && grep -q 'polling the workflow task queue and its activity queues' "$RUN_DIR/worker.log"
}

# SIGTERM lets the SDK finish in-flight tasks; a workflow task is never lost either way.
worker_stop() { stop_pidfile worker 30; }

worker_where() { echo "task queues ${REBOUND_TASK_QUEUE_PREFIX}-workflows|control|postgres|redis|kafka (log $RUN_DIR/worker.log)"; }
