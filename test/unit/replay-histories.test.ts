// Replays every recorded history in test/histories against the current workflow code. A
// non-deterministic change to a workflow that has run fails here; guard such changes with
// patched(). Histories are recorded with scripts/record-history.ts (a run on the stack) or by the
// scenario tests on the time-skipping server with REBOUND_RECORD_HISTORIES=1
// (test/support/history-recorder.ts). test/unit/replay-nondeterminism.test.ts proves this test
// fails on a non-deterministic change.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { REPO_ROOT } from '../../shared/paths';
import { testBundle } from '../support/temporal-env';

const dir = join(__dirname, '..', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

interface RecordedHistory {
  events: { workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }[];
}
const typeOf = (file: string): string | undefined =>
  (JSON.parse(readFileSync(join(dir, file), 'utf8')) as RecordedHistory).events[0]
    ?.workflowExecutionStartedEventAttributes?.workflowType?.name;

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThan(0);
});

test('every workflow type the worker registers has at least one recorded history', () => {
  // The registered types, as workflows/index.ts exports them (read as text: importing workflow
  // code outside the sandbox is what the lint rule keeps us from doing).
  const index = readFileSync(join(REPO_ROOT, 'workflows', 'index.ts'), 'utf8');
  const registered = [...index.matchAll(/export \{ (\w+) \}/g)].map((m) => m[1]).sort();
  expect(registered.length).toBeGreaterThan(5);
  const recorded = new Set(files.map(typeOf));
  expect(registered.filter((t) => !recorded.has(t))).toEqual([]);
});

test.each(files)(
  '%s replays deterministically',
  async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    const bundle = await testBundle();
    const results = Worker.runReplayHistories({ workflowBundle: bundle, replayName: file }, [
      { workflowId: file.replace(/\.json$/, ''), history },
    ]);
    for await (const r of results) {
      expect(r.error).toBeUndefined();
    }
  },
  60_000,
);
