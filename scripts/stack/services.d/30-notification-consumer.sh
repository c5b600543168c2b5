# The reference platform's notification consumer (platform/notifications/main.ts): group
# notification-consumer on topic platform.notifications, writing the notifications table through
# the consumer runtime (Redis control/health). Sourced by stack.sh.
EXTRA_SERVICES+=(notification_consumer)

notification_consumer_start() {
  (cd "$REPO_ROOT" && start_detached notification_consumer "$REPO_ROOT/node_modules/.bin/tsx" \
    "$REPO_ROOT/platform/notifications/main.ts")
}

# Ready once it subscribed to its control channel and joined (it logs its pid after starting).
notification_consumer_ready() {
  pid_alive notification_consumer && grep -q 'notification consumer started' "$RUN_DIR/notification_consumer.log"
}

# SIGTERM makes it leave the group cleanly (no rebalance wait for the next member).
notification_consumer_stop() { stop_pidfile notification_consumer 15; }

notification_consumer_where() {
  echo "group notification-consumer on platform.notifications (log $RUN_DIR/notification_consumer.log)"
}
