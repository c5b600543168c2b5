// Issue 10 build item 5: a scheduled run takes the per-resource lock and budget that alerts and
// manual triggers take. While an incident is open for the resource, the schedule attaches to it
// (no second recovery) and that is recorded; with none open, it starts an episode like any trigger.
import { RoutingTable } from '../../../shared/routing/routing-table';
import { parseYamlText } from '../../../shared/routing/load-yaml';
import { routingFileSchema } from '../../../shared/routing/schema';
import { SCHEDULED_RECOVERY_WORKFLOW_TYPE } from '../../../shared/lifecycle/scheduled-recovery';
import { workflowTaskQueue } from '../../../shared/task-queues';
import { applySchedules, scheduleIdFor } from '../../../client/service/schedules';
import { type ApiHarness, pollUntil, startApiHarness } from './api-harness';
import { LIFECYCLE_ROUTING, at, firing, path, post, viewUntil } from './lifecycle-support';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness('schedlock', { routing: LIFECYCLE_ROUTING });
}, 120_000);

afterAll(async () => {
  for await (const s of h.client.schedule.list()) {
    if (s.scheduleId.startsWith(`${h.prefix}:`)) await h.client.schedule.getHandle(s.scheduleId).delete();
  }
  await h.close();
}, 60_000);

jest.setTimeout(180_000);

async function scheduledResult(scheduleId: string, after: Date) {
  return pollUntil('the scheduled workflow finished', async () => {
    for await (const wf of h.client.workflow.list({
      query: `WorkflowType = '${SCHEDULED_RECOVERY_WORKFLOW_TYPE}' AND TaskQueue = '${workflowTaskQueue(h.prefix)}'`,
    })) {
      if (!wf.workflowId.startsWith(`schedule:${h.prefix}:${scheduleId}`) || wf.startTime < after) continue;
      if (wf.status.name !== 'COMPLETED') return undefined;
      return (await h.client.workflow.getHandle(wf.workflowId, wf.runId).result()) as {
        action: string;
        incidentId: string;
        episodeId: string;
      };
    }
    return undefined;
  });
}

test('a schedule attaches to the open incident of its resource (recorded), and starts one when none is open', async () => {
  const instance = `sched-${h.prefix}`;
  const routing = new RoutingTable(parseYamlText(LIFECYCLE_ROUTING, 'routing.yaml', routingFileSchema));
  const entry = {
    id: 'probe',
    playbook: 'health-probe' as const,
    resource: `stack:${instance}`,
    params: {},
    every: '1h',
    reason: 'hourly probe',
    dryRun: false,
    paused: false,
    overlap: 'skip' as const,
  };
  await applySchedules(h.client, h.prefix, routing, [entry]);
  const schedule = h.client.schedule.getHandle(scheduleIdFor(h.prefix, 'probe'));

  // An alert opens the incident for the resource; it waits for approval (security).
  const opened = await post(h, [
    firing(`fp-${instance}`, { alertname: 'LifecycleSecureProbe', instance }, at(0)),
  ]);
  const episodeId = opened.body.incidents[0].episodeId;
  await viewUntil(h, episodeId, 'awaiting approval', (v) => v.incident.phase === 'awaiting-approval');

  let since = new Date();
  await schedule.trigger();
  const attached = await scheduledResult('probe', since);
  expect(attached).toEqual({
    action: 'attached',
    incidentId: opened.body.incidents[0].incidentId,
    episodeId,
  });
  const report = (await h.call('operator', 'GET', path(episodeId, '/report'))).body as string;
  expect(report).toContain('schedule-attached');
  const list = await h.call(
    'operator',
    'GET',
    `/v1/incidents?resource=${encodeURIComponent(`stack:${instance}`)}`,
  );
  expect(list.body.incidents).toHaveLength(1);

  // With the incident closed, the next scheduled run starts a new episode under the same lock.
  await h.call('operator', 'POST', path(episodeId, '/cancel'));
  await viewUntil(h, episodeId, 'cancelled', (v) => !v.running);
  since = new Date();
  await schedule.trigger();
  const started = await scheduledResult('probe', since);
  expect(started.action).toBe('started');
  expect(started.incidentId).toBe(opened.body.incidents[0].incidentId);
  expect(started.episodeId).not.toBe(episodeId);
  const done = await viewUntil(h, started.episodeId, 'scheduled episode closed', (v) => !v.running, 120_000);
  expect(done.incident.result.outcome).toBe('recovered');
  expect(done.incident.initiator).toBe('schedule:probe');
});
