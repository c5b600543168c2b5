// Replays every recorded history in test/histories against the current workflow code. A
// non-deterministic change to a workflow that has run fails here; guard such changes with
// patched(). Histories are recorded with scripts/record-history.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { testBundle } from '../support/temporal-env';

const dir = join(__dirname, '..', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThan(0);
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
