// Records a finished workflow's event history into test/histories/<name>.json, where the replay
// test (test/unit/replay-histories.test.ts) replays it against the current workflow code on
// every test run: a change that would break running workflows fails the build (use patched()).
// Uses the Temporal CLI's JSON export (the same format `historyFromJSON` reads).
// Usage: tsx scripts/record-history.ts <workflowId> <name>
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../shared/config';
import { REPO_ROOT } from '../shared/paths';
import { temporalCliPath } from '../test/support/stack-tools';

const [workflowId, name] = process.argv.slice(2);
if (!workflowId || !name || !/^[a-z0-9-]+$/.test(name)) {
  console.error('usage: record-history <workflowId> <name: lowercase-with-dashes>');
  process.exit(2);
}
const config = loadConfig();
const json = execFileSync(temporalCliPath(), [
  'workflow',
  'show',
  '--workflow-id',
  workflowId,
  '--address',
  config.temporal.address,
  '--namespace',
  config.temporal.namespace,
  '--output',
  'json',
]);
const file = join(REPO_ROOT, 'test', 'histories', `${name}.json`);
writeFileSync(file, json);
const events = (JSON.parse(json.toString()) as { events: unknown[] }).events.length;
console.log(`recorded ${events} events of ${workflowId} into ${file}`);
