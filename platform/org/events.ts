// The organization service's events, published through the transactional outbox to one topic keyed
// by org id (so each org's events stay in order on one partition).
export const ORG_EVENTS_TOPIC = 'platform.org-events';

export const ORG_EVENT_TYPES = ['OrgDeletionRequested', 'OrgDeletionCancelled', 'OrgDeleted'] as const;
export type OrgEventType = (typeof ORG_EVENT_TYPES)[number];

export interface OrgEvent {
  eventId: string;
  orgId: string;
  type: OrgEventType;
  at: string;
  /** The workflow that caused the event, for tracing. */
  workflowId?: string;
}
