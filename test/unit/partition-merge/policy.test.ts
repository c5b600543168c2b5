// The declarative conflict policy and the datasets file are validated before anything runs: the
// shipped file parses, and each kind of invalid policy or dataset is refused with the file, line
// and path (someone trying to sneak a counter default, a third policy kind, one region twice, or
// a table name that is not an identifier).
import { join } from 'node:path';
import { manualRoute } from '../../../client/service/manual-route';
import { loadSchedules } from '../../../client/service/schedules';
import { RoutingTable } from '../../../shared/routing/routing-table';
import { parseYamlText } from '../../../shared/routing/load-yaml';
import { REPO_ROOT } from '../../../shared/paths';
import { loadDatasets } from '../../../shared/partition-merge/load-datasets';
import { datasetsFileSchema, fieldPolicy } from '../../../shared/partition-merge/policy';
import { partitionMergeParamsSchema } from '../../../shared/playbooks/partition-merge';

const valid = `
datasets:
  accounts:
    table: accounts
    regions:
      - { name: region-a, database: region_a }
      - { name: region-b, database: region_b }
    policy:
      default: lww
      fields: { balance: counter, tags: set, owner: manual }
      deleteVsUpdate: update-wins
`;

function parse(text: string) {
  return parseYamlText(text, 'datasets.yaml', datasetsFileSchema);
}

test('the shipped datasets file parses and states a policy per field', () => {
  const ds = loadDatasets(join(REPO_ROOT, 'config', 'datasets.yaml')).accounts;
  expect(ds.policy.deleteVsUpdate).toBe('update-wins');
  expect(fieldPolicy(ds.policy, 'balance')).toBe('counter');
  expect(fieldPolicy(ds.policy, 'tags')).toBe('set');
  expect(fieldPolicy(ds.policy, 'owner')).toBe('manual');
  expect(fieldPolicy(ds.policy, 'name')).toBe('lww');
  expect(parse(valid).datasets.accounts.regions.map((r) => r.name)).toEqual(['region-a', 'region-b']);
});

test.each([
  ['a counter as the default policy', valid.replace('default: lww', 'default: counter'), /policy\.default/],
  ['an unknown field policy', valid.replace('tags: set', 'tags: average'), /policy\.fields\.tags/],
  ['no delete-vs-update rule', valid.replace('      deleteVsUpdate: update-wins\n', ''), /deleteVsUpdate/],
  ['an unknown delete-vs-update rule', valid.replace('update-wins', 'coin-flip'), /deleteVsUpdate/],
  ['a field name that is not one', valid.replace('owner: manual', "'own er': manual"), /fields/],
  [
    'the same region twice',
    valid.replace('{ name: region-b, database: region_b }', '{ name: region-a, database: region_a }'),
    /distinct/,
  ],
  [
    'a third region',
    valid.replace(
      '      - { name: region-b, database: region_b }',
      '      - { name: region-b, database: region_b }\n      - { name: region-c, database: region_c }',
    ),
    /regions/,
  ],
  [
    'a table name that is not an identifier',
    valid.replace('table: accounts', 'table: "accounts; drop table x"'),
    /table/,
  ],
  [
    'an unknown key',
    valid.replace('    table: accounts', '    table: accounts\n    mode: yolo'),
    /mode|Unrecognized/,
  ],
])('refuses %s, naming where', (_name, text, where) => {
  expect(() => parse(text)).toThrow(where);
  expect(() => parse(text)).toThrow(/datasets\.yaml:\d+/);
});

test('playbook parameters are bounded: no 0s check interval, no unbounded history per run', () => {
  expect(partitionMergeParamsSchema.parse({ dataset: 'accounts' })).toMatchObject({
    mode: 'merge',
    checkEvery: '10s',
    connectTimeout: '30m',
  });
  for (const bad of [
    { dataset: 'accounts', checkEvery: 'soon' },
    { dataset: 'accounts', checkEvery: '0s' },
    { dataset: 'accounts', checkEvery: '500ms' },
    { dataset: 'accounts', checkEvery: '1s', connectTimeout: '7d' },
    { dataset: 'accounts', callsPerRun: 100_000 },
    { dataset: 'accounts', rangesPerCall: 0 },
    { dataset: 'accounts', mode: 'force' },
    { dataset: 'Accounts; --' },
    { dataset: 'accounts', extra: true },
  ]) {
    expect(partitionMergeParamsSchema.safeParse(bad).success).toBe(false);
  }
});

test('the shipped schedules file declares the read-only consistency check, and it routes to partition-merge', () => {
  const routing = RoutingTable.load(join(REPO_ROOT, 'config', 'routing.yaml'));
  const check = loadSchedules(join(REPO_ROOT, 'config', 'schedules.yaml')).find(
    (s) => s.playbook === 'partition-merge',
  );
  expect(check).toMatchObject({
    resource: 'dataset:accounts',
    params: { dataset: 'accounts', mode: 'check' },
  });
  const { route } = manualRoute(routing, {
    playbook: check!.playbook,
    resource: check!.resource,
    params: check!.params,
  });
  expect(route.workflowType).toBe('partitionMergeWorkflow');
  expect(route.params).toMatchObject({ mode: 'check' });
});
