// org-deletion under chaos: an org of its own (members, subscription, entitlements, workflows and
// their runs, notifications, caches) deleted by the saga with a 1 s grace period; the point of no
// return needs an approval, which the harness gives. Invariant counted in the stores: nothing of
// the org left in any org-owned table or cache key, and each of OrgDeletionRequested and
// OrgDeleted once in the outbox and once on platform.org-events.
import { createOrg } from '../../platform/org/generator';
import { ORG_EVENTS_TOPIC } from '../../platform/org/events';
import { countSnapshot, snapshotOrg } from '../../platform/org/snapshot';
import { readTopic } from '../../platform/outbox/topic-scan';
import { removeTestOrgs } from '../integration/org/org-fixtures';
import { type ChaosScenario } from './scenario-types';

const EVENTS = ['OrgDeletionRequested', 'OrgDeleted'] as const;

export const orgDeletionScenario: ChaosScenario = {
  playbook: 'org-deletion',
  invariant:
    'no row or cache key of the org left; OrgDeletionRequested and OrgDeleted each once in the outbox and once on the topic',
  prepare: async ({ pool, redis, kafka }) => {
    const org = await createOrg({ pool, redis }, { members: 5, workflows: 3, notifications: 10 });
    const orgId = org.orgId;
    return {
      resource: `org:${orgId}`,
      params: { orgId, gracePeriod: '1s', approvalAboveMembers: 0 },
      approvalPolicy: {
        allowedPrincipals: [],
        allowedRoles: ['approver'],
        quorum: 1,
        timeout: '1h',
        required: true,
      },
      check: async (workflowId) => {
        const left = countSnapshot(await snapshotOrg({ pool, redis }, orgId)).total;
        const outbox = await pool.query<{ event_type: string; n: string }>(
          `SELECT event_type, count(*) AS n FROM outbox
            WHERE message_key = $1 AND idempotency_key LIKE $2 GROUP BY event_type`,
          [orgId, `${workflowId}@%`],
        );
        const rows = new Map(outbox.rows.map((r) => [r.event_type, Number(r.n)]));
        const onTopic = new Map<string, number>();
        await readTopic(kafka, ORG_EVENTS_TOPIC, (m) => {
          if (m.key?.toString() !== orgId) return;
          const type = (JSON.parse(m.value!.toString()) as { type: string }).type;
          onTopic.set(type, (onTopic.get(type) ?? 0) + 1);
        });
        const missing = (m: Map<string, number>) => EVENTS.filter((e) => !m.has(e)).length;
        const extra = (m: Map<string, number>) => EVENTS.filter((e) => (m.get(e) ?? 0) > 1).length;
        const lost = left + missing(rows) + missing(onTopic);
        const doubled = extra(rows) + extra(onTopic);
        const show = (m: Map<string, number>) => EVENTS.map((e) => `${e}×${m.get(e) ?? 0}`).join(' ');
        return {
          ok: lost === 0 && doubled === 0,
          lost,
          doubled,
          detail: `${left} row(s)/key(s) of the org left; outbox ${show(rows)}; topic ${show(onTopic)}`,
        };
      },
      cleanup: () => removeTestOrgs({ pool, redis }, [orgId]),
    };
  },
};
