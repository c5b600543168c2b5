// The notification service's Kafka names (DESIGN.md's reference platform names).
export const NOTIFICATIONS_TOPIC = 'platform.notifications';
export const NOTIFICATIONS_GROUP = 'notification-consumer';
