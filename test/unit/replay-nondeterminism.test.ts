// Proves the replay test can fail: the health-probe playbook is rebuilt into a temporary
// workflowsPath (under the checkout's ignored .rebound/tmp) three ways (an unchanged copy, its steps reordered, an extra activity call before
// them) and each bundle replays the recorded test/histories/health-probe.json. The copy must
// replay cleanly (so a failure is the variant's, not the harness's); both variants must be reported
// as a DeterminismViolation, which is what test/unit/replay-histories.test.ts would then report
// for a real workflow change made without patched().
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { REPO_ROOT, STATE_DIR } from '../../shared/paths';
import { bundleWorkflows } from '../../workers/workflow-bundle';
import { TEST_KEYRING } from '../support/decisions';

const WORKFLOWS = join(REPO_ROOT, 'workflows');
const LOOP = 'for (const dependency of input.params.dependencies) {';

let dir: string;
beforeAll(() => {
  // Inside the checkout (its ignored state folder): the bundle's entry needs the repo's node_modules.
  mkdirSync(join(STATE_DIR, 'tmp'), { recursive: true });
  dir = mkdtempSync(join(STATE_DIR, 'tmp', 'replay-variant-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Writes `workflows/health-probe.ts` changed by `change` into a fresh folder, with an index that
 * exports every real workflow but this one, and returns the index path (a workflowsPath).
 */
function variant(name: string, change: (source: string) => string): string {
  const source = readFileSync(join(WORKFLOWS, 'health-probe.ts'), 'utf8')
    .replaceAll("from '../", `from '${REPO_ROOT}/`)
    .replaceAll("from './", `from '${WORKFLOWS}/`);
  const index = readFileSync(join(WORKFLOWS, 'index.ts'), 'utf8')
    .replaceAll("from './health-probe'", "from './VARIANT'")
    .replaceAll("from './", `from '${WORKFLOWS}/`)
    .replaceAll(`from '${WORKFLOWS}/VARIANT'`, "from './health-probe-variant'");
  const folder = join(dir, name);
  mkdirSync(folder);
  writeFileSync(join(folder, 'health-probe-variant.ts'), change(source));
  writeFileSync(join(folder, 'index.ts'), index);
  return join(folder, 'index.ts');
}

async function replay(workflowsPath: string): Promise<unknown> {
  const file = join(REPO_ROOT, 'test', 'histories', 'health-probe.json');
  const history = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
  const bundle = await bundleWorkflows(TEST_KEYRING, workflowsPath);
  let error: unknown;
  for await (const r of Worker.runReplayHistories({ workflowBundle: bundle, replayName: workflowsPath }, [
    { workflowId: 'health-probe', history },
  ])) {
    error = r.error;
  }
  return error;
}

test('an unchanged copy built the same way replays cleanly', async () => {
  expect(await replay(variant('same', (s) => s))).toBeUndefined();
}, 120_000);

test('reordered steps are reported as a DeterminismViolation', async () => {
  const path = variant('reordered', (s) => {
    expect(s).toContain(LOOP);
    return s.replace(LOOP, 'for (const dependency of [...input.params.dependencies].reverse()) {');
  });
  const error = await replay(path);
  expect(error).toBeInstanceOf(DeterminismViolationError);
}, 120_000);

test('an extra activity call is reported as a DeterminismViolation', async () => {
  const path = variant('extra-activity', (s) => {
    expect(s).toContain(LOOP);
    return s.replace(LOOP, `await run.notify('extra', 'info', 'not in the recorded history');\n  ${LOOP}`);
  });
  const error = await replay(path);
  expect(error).toBeInstanceOf(DeterminismViolationError);
}, 120_000);
