// The project's commands answer --help with their documented usage and refuse a bad option with
// exit 2 and one line, before they touch the stack (the help of `npm run bench` used to be a
// stack trace, and `npm run demo -- --help` installed and started everything first).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { headerComment } from '../../../scripts/lib/command-line';
import { REPO_ROOT } from '../../../shared/paths';

const tsx = join(REPO_ROOT, 'node_modules/.bin/tsx');
const run = (script: string, ...args: string[]) =>
  spawnSync(tsx, [join(REPO_ROOT, script), ...args], {
    encoding: 'utf8',
    // A stack that is not there: a command that got past its options would fail differently.
    env: { ...process.env, REBOUND_PG_PORT: '1', REBOUND_TEMPORAL_ADDRESS: '127.0.0.1:1' },
  });

test('headerComment is the leading comment block of a file, markers removed', () => {
  const header = headerComment(join(REPO_ROOT, 'bench/reconciliation.ts'));
  expect(header.split('\n')[1]).toBe(
    '  npx tsx bench/reconciliation.ts [--orgs 100000] [--rows 100000] [--batch 500 (≤ 1000)]',
  );
  expect(header).not.toMatch(/^\/\/|\nimport /);
});

test.each([
  ['scripts/bench.ts', 'The benchmark command'],
  ['bench/alert-storm.ts', 'Alert-storm ingestion benchmark'],
  ['scripts/chaos.ts', 'npm run chaos -- [--playbooks a,b]'],
])('%s --help prints its usage and exits 0', (script, first) => {
  const r = run(script, '--help');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain(first);
});

test.each([
  ['scripts/bench.ts', ['--bogus'], "Unknown option '--bogus'"],
  ['scripts/fuzz.ts', ['--runs', '10k'], '--runs: expected an integer ≥ 1, got "10k"'],
  ['scripts/fuzz.ts', ['--only', 'POST /v1/nope'], '--only: no endpoint matches "POST /v1/nope"'],
  ['bench/reconciliation.ts', ['--rows'], "Option '--rows <value>' argument missing"],
  ['bench/reconciliation.ts', ['--batch', '1001'], '--batch: expected an integer from 1 to 1000, got "1001"'],
  ['bench/reconciliation.ts', ['--only', 'outbx'], '--only: expected one of resync, outbox, got "outbx"'],
  ['scripts/demo.ts', ['--approval-pause=-1'], '--approval-pause: expected a number ≥ 0, got "-1"'],
])('%s %j is refused with exit 2 and no stack trace', (script, args, message) => {
  const r = run(script, ...args);
  expect(r.status).toBe(2);
  expect(r.stderr).toContain(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
});
