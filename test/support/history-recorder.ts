// Records a finished workflow's event history into test/histories/<name>.json when the test run
// asks for it (REBOUND_RECORD_HISTORIES=1), so the scenarios the unit tests already drive on the
// time-skipping server (approval, compensation, escalation paths) become histories that
// test/unit/replay-histories.test.ts replays against the current workflow code in every run.
// Without the variable this does nothing: a normal test run never rewrites a recorded history.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { REPO_ROOT } from '../../shared/paths';

/**
 * Writes `handle`'s history (a closed workflow) to `test/histories/<name>.json` when
 * `REBOUND_RECORD_HISTORIES=1`; returns the path written, else undefined. `name` is
 * lowercase-with-dashes (it is also the replay test's case name). Throws on a bad name.
 */
export async function recordHistoryIfAsked(
  handle: { fetchHistory: () => Promise<History> },
  name: string,
): Promise<string | undefined> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`history name must be lowercase-with-dashes: ${name}`);
  if (process.env.REBOUND_RECORD_HISTORIES !== '1') return undefined;
  const file = join(REPO_ROOT, 'test', 'histories', `${name}.json`);
  writeFileSync(file, historyToJSON(await handle.fetchHistory()));
  return file;
}
