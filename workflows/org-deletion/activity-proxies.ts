// The org deletion playbook's activity proxies, each on the queue of the infrastructure it acts
// on. Called inside the workflow function (proxies need the workflow's task queue).
import type { OrgCacheActivities } from '../../activities/org/org-cache-activities';
import type { OrgDeletionPostgresActivities } from '../../activities/org/org-deletion-postgres';
import type { OutboxRelayActivities } from '../../activities/outbox/outbox-relay-activities';
import { activitiesOn } from '../lib/activity-presets';

export function orgDeletionActivities() {
  return {
    pg: activitiesOn<OrgDeletionPostgresActivities>('postgres', 'quick'),
    /** The purge walks whole tables: heartbeats a cursor. */
    pgLong: activitiesOn<OrgDeletionPostgresActivities>('postgres', 'long'),
    cache: activitiesOn<OrgCacheActivities>('redis', 'quick'),
    /** A relay retry after a crash scans a partition: heartbeats. */
    outbox: activitiesOn<OutboxRelayActivities>('kafka', 'long'),
  };
}

export type OrgDeletionActivities = ReturnType<typeof orgDeletionActivities>;
