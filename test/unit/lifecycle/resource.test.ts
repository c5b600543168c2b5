// The resource grammar (issue 10 build item 4): <kind>:<id>, restricted characters, bounded length,
// long label-derived ids shortened by a digest; and the people who try to get around it.
import { manualRoute } from '../../../client/service/manual-route';
import { parseIncidentRef, playbookRunId, episodeIdFor, incidentIdFor } from '../../../shared/incident';
import { MAX_RESOURCE_ID_LENGTH, resourceFromLabel, resourceProblem } from '../../../shared/resource';
import { parseYamlText } from '../../../shared/routing/load-yaml';
import { RoutingTable } from '../../../shared/routing/routing-table';
import { routingFileSchema } from '../../../shared/routing/schema';

const routing = new RoutingTable(
  parseYamlText(
    `routes:
  - name: probe
    match: { alertname: Probe }
    playbook: health-probe
    resource: 'stack:{{labels.stack}}'
    classification: { category: transient }
`,
    'routing.yaml',
    routingFileSchema,
  ),
);

test.each([
  ['stack:a/run-1', /never \//],
  ['stack:a#1', /never/],
  ['stack:a b', /never/],
  ['stack:a%2Fb', /never/],
  ['stack:', /empty/],
  ['Stack:a', /kind/],
  [`stack:${'x'.repeat(MAX_RESOURCE_ID_LENGTH + 1)}`, /longer/],
])('%s is not a resource', (text, why) => {
  expect(resourceProblem(text)).toMatch(why);
});

test.each(['group:notification-consumer', 'key:org:*:entitlements', 'key:cache{a}[0-9]?', 'org:3f1c-9a'])(
  '%s is a resource',
  (text) => expect(resourceProblem(text)).toBeUndefined(),
);

test('a long label-derived id is shortened deterministically; the full value is kept', () => {
  const long = 'n'.repeat(1_000);
  const a = resourceFromLabel('namespace', long)!;
  expect(a.resource).toMatch(/^namespace:n{96}~[0-9a-f]{16}$/);
  expect(a.full).toBe(`namespace:${long}`);
  expect(resourceFromLabel('namespace', long)).toEqual(a);
  expect(resourceFromLabel('namespace', `${long}x`)!.resource).not.toBe(a.resource);
  expect(resourceProblem(a.resource)).toBeUndefined();
});

test('routing: a 1,000-character label routes to a bounded incident id with the full value in the route', () => {
  const stack = 's'.repeat(1_000);
  const r = routing.route({ labels: { alertname: 'Probe', stack }, annotations: {}, fingerprint: 'f1' });
  expect(r.incidentId.length).toBeLessThan(200);
  expect(r.route.resourceFull).toBe(`stack:${stack}`);
  expect(r.route.reason).toBeUndefined();
});

test('routing: a label with characters outside the set goes to a human by fingerprint, with the reason', () => {
  const r = routing.route({
    labels: { alertname: 'Probe', stack: 'a/run-1' },
    annotations: {},
    fingerprint: 'f2',
  });
  expect(r.incidentId).toBe('incident:alert:f2');
  expect(r.route.reason).toMatch(/not <kind>:<id>/);
});

test('manual trigger: the kind is the playbook’s, and no resource spells a run id', () => {
  expect(() => manualRoute(routing, { playbook: 'health-probe', resource: 'group:x', params: {} })).toThrow(
    /acts on stack:<id>/,
  );
  expect(() =>
    manualRoute(routing, { playbook: 'health-probe', resource: 'stack:a/run-1', params: {} }),
  ).toThrow();
  const ok = manualRoute(routing, { playbook: 'health-probe', resource: 'stack:a', params: {} });
  const episode = episodeIdFor(ok.incidentId, 'r1');
  expect(parseIncidentRef(playbookRunId(episode, 1))).toEqual({
    incidentId: ok.incidentId,
    runId: 'r1',
    playbookRun: 1,
  });
  expect(parseIncidentRef(incidentIdFor('health-probe:stack:a'))).toEqual({
    incidentId: ok.incidentId,
    runId: undefined,
    playbookRun: undefined,
  });
});
