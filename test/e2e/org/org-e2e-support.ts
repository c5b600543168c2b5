// Shared by the org deletion end-to-end tests: real clients, starting the saga on a test prefix,
// polling its status, counting its events on the topic, reading its audit trail.
import { type Client, type WorkflowHandle } from '@temporalio/client';
import { type Redis } from 'ioredis';
import { type Kafka } from 'kafkajs';
import { type Pool } from 'pg';
import { faultKey, heldKey, type FaultMode } from '../../../activities/org/fault-injection';
import { startPlaybook } from '../../../client/start-playbook';
import { ORG_EVENTS_TOPIC } from '../../../platform/org/events';
import { readTopic } from '../../../platform/outbox/topic-scan';
import { type OrgDeletionParams } from '../../../shared/playbooks/org-deletion';
import { statusQuery, type PlaybookStatus } from '../../../shared/workflow-interface';

export interface Deps {
  client: Client;
  pool: Pool;
  statePool: Pool;
  redis: Redis;
  kafka: Kafka;
}

export const noApproval = {
  allowedPrincipals: [],
  allowedRoles: ['approver'],
  quorum: 1,
  timeout: '1h',
  required: false,
};

export function startDeletion(
  deps: Deps,
  prefix: string,
  params: Partial<OrgDeletionParams> & { orgId: string },
  approvalPolicy: typeof noApproval = noApproval,
): Promise<WorkflowHandle> {
  return startPlaybook(deps.client, {
    playbook: 'org-deletion',
    params: { gracePeriod: '1s', ...params },
    context: { resource: `org:${params.orgId}`, initiator: 'e2e-operator', approvalPolicy },
    taskQueuePrefix: prefix,
  });
}

export async function waitForStatus(
  handle: WorkflowHandle,
  predicate: (s: PlaybookStatus) => boolean,
  timeoutMs = 60_000,
): Promise<PlaybookStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: PlaybookStatus | undefined;
  while (Date.now() < deadline) {
    try {
      last = await handle.query(statusQuery);
      if (predicate(last)) return last;
    } catch {
      // the first workflow task may not have run yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`status of ${handle.workflowId} never matched; last: ${JSON.stringify(last)}`);
}

export const stepDone = (name: string) => (s: PlaybookStatus) =>
  s.steps.some((x) => x.name === name && x.state === 'succeeded');

export async function injectFault(redis: Redis, workflowId: string, step: string, mode: FaultMode) {
  await redis.hset(faultKey(workflowId), step, mode);
  await redis.expire(faultKey(workflowId), 600);
}

export async function releaseFault(redis: Redis, workflowId: string, step: string) {
  await redis.hdel(faultKey(workflowId), step);
}

export async function isHeld(redis: Redis, workflowId: string, step: string): Promise<boolean> {
  return (await redis.sismember(heldKey(workflowId), step)) === 1;
}

/** Event types on platform.org-events for the org, in topic order. */
export async function orgEventsOnTopic(kafka: Kafka, orgId: string): Promise<string[]> {
  const types: string[] = [];
  await readTopic(kafka, ORG_EVENTS_TOPIC, (m) => {
    if (m.key?.toString() === orgId) types.push((JSON.parse(m.value!.toString()) as { type: string }).type);
  });
  return types;
}

export async function auditKinds(statePool: Pool, workflowId: string): Promise<string[]> {
  const r = await statePool.query<{ kind: string; entry_key: string }>(
    'SELECT kind, entry_key FROM audit_events WHERE workflow_id = $1 ORDER BY id',
    [workflowId],
  );
  return r.rows.map((x) => `${x.kind}:${x.entry_key}`);
}
