// The exporter's data model: each collector measures on its own timer and publishes a snapshot of
// samples; a scrape only reads the latest snapshots. So a slow or unreachable dependency (Kafka
// stopped, a region's database down) never makes a scrape slow or fail: its collector reports
// `platform_exporter_collector_up 0` and its last good samples are dropped, not served stale.

/** One value of one metric, with its label set. */
export interface Sample {
  metric: string;
  labels: Record<string, string>;
  value: number;
}

/** A named measurement run every `intervalMs` (milliseconds); throws when its source is unreachable. */
export interface Collector {
  name: string;
  intervalMs: number;
  collect(): Promise<Sample[]>;
}

/** The metrics' help texts, which also name every metric the exporter may publish. */
export const METRIC_HELP = {
  platform_consumer_instances: 'Consumer instances reporting health, by group, state and mode',
  platform_consumer_halted_instances:
    'Consumer instances that stopped themselves on a failing message, by group and topic of the message',
  platform_consumer_lag_messages:
    'Messages between the group committed offset and the log end, by group and topic',
  platform_kafka_up: '1 when a Kafka metadata request answers',
  platform_outbox_backlog_rows: 'Unpublished rows in the transactional outbox',
  platform_outbox_oldest_unpublished_age_seconds:
    'Age of the oldest unpublished outbox row, seconds (0 when none)',
  platform_entitlement_cache_sampled_orgs:
    'Orgs whose entitlement cache was compared with the database last round',
  platform_entitlement_cache_stale_orgs:
    'Sampled orgs whose cached entitlements are well-formed but differ from the database (a lost update event)',
  platform_cache_corrupt_key:
    '1 for an org cache key holding a value no writer produces (not a number, not a role, wrong type)',
  platform_cache_corrupt_keys:
    'Org cache keys holding malformed values (all of them, beyond the listed ones)',
  platform_region_up: '1 when the region database of a replicated dataset answers',
  platform_region_rows: 'Rows (tombstones included) of a replicated dataset in one region',
  platform_regions_diverged: '1 when the regions of a replicated dataset hold different rows',
  platform_regions_divergent_keys: 'Keys whose row differs between the regions of a replicated dataset',
  platform_org_orphaned_rows: 'Rows that still reference an org that no longer exists, by org',
  platform_org_deletion_request_age_seconds:
    'Age of a pending org deletion request (its org still exists), seconds, by org',
  platform_exporter_collector_up: '1 when the collector last measured successfully',
  platform_exporter_collector_duration_seconds: 'How long the collector last took, seconds',
} as const;

export type MetricName = keyof typeof METRIC_HELP;

export function sample(metric: MetricName, labels: Record<string, string>, value: number): Sample {
  return { metric, labels, value };
}
