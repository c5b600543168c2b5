/* eslint-disable @typescript-eslint/no-explicit-any */
// Issue 10, "What was found": each of the eight inputs, posted to the real API (in-process, real
// Temporal server, real worker process, real PostgreSQL) as Alertmanager would, with the outcome
// the lifecycle rules give. Plus episodes: a recurring fault is a new episode with its own keys,
// and one that keeps coming back goes to a human.
import { type ApiHarness, pollUntil, startApiHarness } from './api-harness';
import { LIFECYCLE_ROUTING, at, firing, path, post, resolved, viewUntil } from './lifecycle-support';

let h: ApiHarness;
let seq = 0;
/** Label values unique to this test run (workflow ids are namespace-wide). */
const unique = (what: string) => `${what}-${h.prefix}-${++seq}`;

beforeAll(async () => {
  h = await startApiHarness('lifecycle', { routing: LIFECYCLE_ROUTING });
}, 120_000);

afterAll(async () => {
  await h.close();
}, 60_000);

jest.setTimeout(180_000);

test('1. an old resolved re-delivered after a new firing of the same fingerprint is stale: the new episode stays open', async () => {
  const labels = { alertname: 'LifecycleNeedsHuman', namespace: unique('ns') };
  const fp = unique('fp');
  const first = await post(h, [firing(fp, labels, at(0))]);
  expect(first.status).toBe(202);
  expect(first.body.incidents[0]).toMatchObject({ action: 'started' });
  const { incidentId, episodeId: ep1 } = first.body.incidents[0];
  await viewUntil(h, ep1, 'episode 1 needs a human', (v) => v.incident.phase === 'needs-human');
  expect((await post(h, [resolved(fp, labels, at(0), at(5))])).body.incidents[0].action).toBe('resolved');
  await viewUntil(h, ep1, 'episode 1 closed', (v) => !v.running);

  const again = await post(h, [firing(fp, labels, at(10))]);
  expect(again.body.incidents[0]).toMatchObject({ action: 'started', incidentId });
  const ep2 = again.body.incidents[0].episodeId;
  expect(ep2).not.toBe(ep1);
  await viewUntil(h, ep2, 'episode 2 needs a human', (v) => v.incident.phase === 'needs-human');

  // The old resolution (endsAt before the new startsAt) delivered again: stale, ignored, counted.
  expect((await post(h, [resolved(fp, labels, at(0), at(5))])).body.incidents[0].action).toBe('resolved');
  const view = await viewUntil(h, ep2, 'the stale notice counted', (v) => v.staleNotices === 1);
  expect(view.running).toBe(true);
  expect(view.incident.alertResolved).toBe(false);
  expect(view.alertStates).toEqual([
    expect.objectContaining({ fingerprint: fp, status: 'firing', startsAt: at(10) }),
  ]);

  // The first firing re-delivered (HA peer) inside the cooldown starts nothing, with the reason.
  const redelivered = await post(h, [firing(fp, labels, at(0))]);
  expect(redelivered.body.incidents[0]).toMatchObject({
    action: 'ignored',
    reason: expect.stringMatching(/re-delivered firing/),
  });

  // The reason is recorded in episode 1's audit trail, so its report shows it.
  const report1 = (await h.call('operator', 'GET', path(ep1, '/report'))).body as string;
  expect(report1).toContain('alert-ignored');
  expect(report1).toContain('re-delivered firing');

  // Episode 1 is still readable, closed with its own outcome; the list shows both episodes.
  const closed = (await h.call('operator', 'GET', path(ep1))).body;
  expect(closed).toMatchObject({
    episodeId: ep1,
    running: false,
    incident: { result: { outcome: 'resolved-before-action' } },
  });
  const listed = await pollUntil('both episodes listed', async () => {
    const res = await h.call(
      'operator',
      'GET',
      `/v1/incidents?resource=${encodeURIComponent(`namespace:${labels.namespace}`)}`,
    );
    return res.body.incidents?.length === 2 ? res.body.incidents : undefined;
  });
  expect(listed.map((i: any) => i.episodeId).sort()).toEqual([ep1, ep2].sort());
});

test('2. one alert of a two-alert group resolving leaves the incident open; it closes when both have', async () => {
  const namespace = unique('ns');
  const a = { alertname: 'LifecycleNeedsHuman', namespace, pod: 'pod-a' };
  const b = { alertname: 'LifecycleNeedsHuman', namespace, pod: 'pod-b' };
  const [fa, fb] = [unique('fa'), unique('fb')];
  const res = await post(h, [firing(fa, a, at(0)), firing(fb, b, at(0))]);
  expect(res.body.incidents.map((i: any) => i.action).sort()).toEqual(['attached', 'started']);
  const id = res.body.incidents[0].episodeId ?? res.body.incidents[1].episodeId;
  await viewUntil(
    h,
    id,
    'needs a human',
    (v) => v.incident.phase === 'needs-human' && v.alertStates?.length === 2,
  );
  await post(h, [resolved(fa, a, at(0), at(3)), firing(fb, b, at(0))]);
  const open = await viewUntil(h, id, 'one alert resolved', (v) =>
    v.alertStates?.some((s: any) => s.fingerprint === fa && s.status === 'resolved'),
  );
  expect(open.running).toBe(true);
  expect(open.incident.alertResolved).toBe(false);
  await post(h, [resolved(fb, b, at(0), at(4))]);
  const done = await viewUntil(h, id, 'closed', (v) => !v.running);
  expect(done.incident.result.outcome).toBe('resolved-before-action');
});

test('3. a fault that resolves and fires again while waiting for approval runs after the approval', async () => {
  const labels = { alertname: 'LifecycleSecureProbe', instance: unique('sec') };
  const fp = unique('fp');
  const started = await post(h, [firing(fp, labels, at(0))]);
  const id = started.body.incidents[0].episodeId;
  await viewUntil(h, id, 'awaiting approval', (v) => v.incident.phase === 'awaiting-approval');
  await post(h, [resolved(fp, labels, at(0), at(2))]);
  await viewUntil(h, id, 'resolved', (v) => v.incident.alertResolved === true);
  await post(h, [firing(fp, labels, at(3))]);
  await viewUntil(h, id, 'firing again', (v) => v.incident.alertResolved === false);
  const decision = await h.call('alice', 'POST', path(id, '/approvals'), {
    decision: 'approve',
    comment: 'go',
  });
  expect(decision.status).toBe(200);
  const done = await viewUntil(h, id, 'closed', (v) => !v.running, 120_000);
  expect(done.incident.result.outcome).toBe('recovered');
  expect(done.runs).toEqual([{ workflowId: `${id}/run-1`, outcome: 'recovered' }]);
});

test('4. truncatedAlerts is counted in a metric, shown on the incident and in its report', async () => {
  const labels = { alertname: 'LifecycleNeedsHuman', namespace: unique('ns') };
  const res = await post(h, [firing(unique('fp'), labels, at(0))], { truncatedAlerts: 7 });
  expect(res.status).toBe(202);
  expect(res.body.truncatedAlerts).toBe(7);
  const id = res.body.incidents[0].episodeId;
  const view = await viewUntil(h, id, 'truncation shown', (v) => v.truncatedAlerts === 7);
  expect(view.alerts[0].truncatedAlerts).toBe(7);
  const metrics = await fetch(`${h.url}/metrics`).then((r) => r.text());
  expect(metrics).toMatch(/^rebound_alerts_truncated_total 7$/m);
  const report = (await h.call('operator', 'GET', path(id, '/report'))).body;
  expect(report).toContain('7 alerts were left out');
});

test('5. a group of 1,001 alerts and a body over 1 MiB are accepted: every alert recorded', async () => {
  const namespace = unique('ns');
  const big = 'x'.repeat(1_200);
  const alerts = Array.from({ length: 1_001 }, (_, i) => ({
    ...firing(unique('fp'), { alertname: 'LifecycleNeedsHuman', namespace, pod: `pod-${i}` }, at(0)),
    annotations: { summary: 'one of many', description: big },
  }));
  const bodySize = JSON.stringify(alerts).length;
  expect(bodySize).toBeGreaterThan(1_048_576);
  const res = await post(h, alerts);
  expect(res.status).toBe(202);
  expect(res.body.incidents).toHaveLength(1_001);
  const actions = res.body.incidents.map((i: any) => i.action);
  expect(actions.filter((a: string) => a === 'started')).toHaveLength(1);
  expect(actions.filter((a: string) => a === 'attached')).toHaveLength(1_000);
  const id = res.body.incidents.find((i: any) => i.action === 'started').episodeId;
  await viewUntil(h, id, 'all 1,001 alerts tracked', (v) => v.alertStates?.length === 1_001);
});

test('6. an alert without alertname does not fail its group; an invalid alert is rejected with its reason', async () => {
  const labels = { alertname: 'LifecycleNeedsHuman', namespace: unique('ns') };
  const noName = firing(unique('noname'), { job: 'api', instance: unique('i') }, at(0));
  const invalid = {
    status: 'firing',
    labels: { alertname: 'LifecycleNeedsHuman' },
    fingerprint: unique('bad'),
  };
  const res = await post(h, [firing(unique('fp'), labels, at(0)), noName, invalid]);
  expect(res.status).toBe(202);
  expect(res.body.incidents[0]).toMatchObject({ action: 'started' });
  // Without alertname no route matches: a needs-human incident keyed by the fingerprint.
  expect(res.body.incidents[1]).toMatchObject({
    action: 'started',
    incidentId: `incident:alert:${noName.fingerprint}`,
  });
  expect(res.body.incidents[2]).toMatchObject({
    action: 'rejected',
    reason: expect.stringMatching(/startsAt/),
  });
  // Only one alert of the group rejected: 202, never a 4xx that Alertmanager would drop.
  const allBad = await post(h, [{ ...invalid, fingerprint: 'x y' }]);
  expect(allBad.status).toBe(202);
  expect(allBad.body.incidents[0].action).toBe('rejected');
});

test('7. a label value of 1,000 characters: the resource is shortened by a digest, the full value kept', async () => {
  const namespace = `${unique('ns')}-${'n'.repeat(1_000)}`;
  const res = await post(h, [firing(unique('fp'), { alertname: 'LifecycleNeedsHuman', namespace }, at(0))]);
  expect(res.status).toBe(202);
  const r = res.body.incidents[0];
  expect(r.action).toBe('started');
  expect(r.incidentId.length).toBeLessThan(200);
  expect(r.incidentId).toMatch(/^incident:entitlement-resync:namespace:.{96}~[0-9a-f]{16}$/);
  const view = await viewUntil(h, r.episodeId, 'needs a human', (v) => v.incident.phase === 'needs-human');
  expect(view.route.resourceFull).toBe(`namespace:${namespace}`);
  // The same value again maps to the same incident (the digest is deterministic).
  const again = await post(h, [firing(unique('fp'), { alertname: 'LifecycleNeedsHuman', namespace }, at(0))]);
  expect(again.body.incidents[0]).toMatchObject({ action: 'attached', incidentId: r.incidentId });
});

test('8. a resource that would collide with a run id is refused; every id the API returns reads 200 or 404', async () => {
  const instance = unique('a');
  const refused = await h.call('operator', 'POST', '/v1/incidents', {
    playbook: 'health-probe',
    resource: `stack:${instance}/run-1`,
    reason: 'collision attempt',
  });
  expect(refused.status).toBe(400);
  const hashed = await h.call('operator', 'POST', '/v1/incidents', {
    playbook: 'health-probe',
    resource: `stack:${instance}#x`,
    reason: 'collision attempt',
  });
  expect(hashed.status).toBe(400);
  const wrongKind = await h.call('operator', 'POST', '/v1/incidents', {
    playbook: 'health-probe',
    resource: `group:${instance}`,
    reason: 'kind mismatch',
  });
  expect(wrongKind.status).toBe(400);

  const started = await h.call('operator', 'POST', '/v1/incidents', {
    playbook: 'health-probe',
    resource: `stack:${instance}`,
    reason: 'manual probe',
  });
  expect(started.status).toBe(201);
  const view = await viewUntil(h, started.body.incidentId, 'recovered', (v) => !v.running, 120_000);
  const ids = [view.incidentId, view.episodeId, ...view.runs.map((r: any) => r.workflowId)];
  const listed = await pollUntil('listed', async () => {
    const res = await h.call(
      'operator',
      'GET',
      `/v1/incidents?resource=${encodeURIComponent(`stack:${instance}`)}`,
    );
    return res.body.incidents?.length ? res.body.incidents : undefined;
  });
  ids.push(...listed.flatMap((i: any) => [i.incidentId, i.episodeId]));
  for (const id of ids) {
    const res = await h.call('operator', 'GET', path(id));
    expect([id, res.status]).toEqual([id, 200]);
    expect((await h.call('operator', 'GET', path(id, '/report'))).status).toBe(200);
  }
  // The run id of the issue reads as the episode that ran it, with that run's status.
  const run = (await h.call('operator', 'GET', path(view.runs[0].workflowId))).body;
  expect(run.playbook.workflowId).toBe(view.runs[0].workflowId);
  for (const id of [
    `${view.incidentId}#not-a-run`,
    `${view.episodeId}/run-9`,
    `${view.episodeId}/x`,
    'incident:none',
  ]) {
    expect([id, (await h.call('operator', 'GET', path(id))).status]).toEqual([id, 404]);
  }
});

test('episodes: a recurring fault gets new keys each time, and the third episode within the window goes to a human', async () => {
  const labels = { alertname: 'LifecycleProbe', instance: unique('rec') };
  const fp = unique('fp');
  const episodes: string[] = [];
  for (const gen of [0, 10, 20]) {
    const res = await post(h, [firing(fp, labels, at(gen))]);
    expect(res.body.incidents[0].action).toBe('started');
    const id = res.body.incidents[0].episodeId;
    episodes.push(id);
    await viewUntil(
      h,
      id,
      `episode at ${gen} closed or waiting`,
      (v) => !v.running || v.incident.phase === 'needs-human',
      120_000,
    );
  }
  const [e1, e2, e3] = await Promise.all(
    episodes.map(async (id) => (await h.call('operator', 'GET', path(id))).body),
  );
  expect(e1.incident.result.outcome).toBe('recovered');
  expect(e2.incident.result.outcome).toBe('recovered');
  expect(e3.running).toBe(true);
  expect(e3.incident.phase).toBe('needs-human');
  expect(e3.route.reason ?? '').toBe('');
  expect(e3.episode).toBe(3);
  // Each episode's playbook run, budget claim and audit trail are its own.
  expect(e1.runs[0].workflowId).toBe(`${episodes[0]}/run-1`);
  expect(e2.runs[0].workflowId).toBe(`${episodes[1]}/run-1`);
  const report3 = (await h.call('operator', 'GET', path(episodes[2], '/report'))).body;
  expect(report3).toContain('recovery did not hold');
  expect(report3).not.toContain(`${episodes[0]}`.slice(-12));
  const report1 = (await h.call('operator', 'GET', path(episodes[0], '/report'))).body;
  expect(report1).toContain('closed-recovered');
  expect(report1).not.toContain('recovery did not hold');
});
