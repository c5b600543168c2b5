// Runs one playbook directly against the Temporal server (no control plane needed) and follows it
// to the end. Usage:
//   tsx scripts/run-playbook.ts <playbook> --resource <kind:id> [--params JSON] [--dry-run]
//        [--initiator NAME] [--workflow-id ID] [--json]
import { parseArgs } from 'node:util';
import { connectClient } from '../client/temporal-client';
import { followStatus } from '../client/follow-status';
import { PlaybookInputError, startPlaybook } from '../client/start-playbook';
import { loadConfig } from '../shared/config';
import { PLAYBOOKS } from '../shared/playbooks';
import { statusQuery } from '../shared/workflow-interface';

const USAGE = `usage: run-playbook <playbook> --resource <kind:id> [--params JSON] [--dry-run] [--initiator NAME] [--workflow-id ID] [--json]
playbooks: ${Object.keys(PLAYBOOKS).join(', ')}`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      resource: { type: 'string' },
      params: { type: 'string', default: '{}' },
      'dry-run': { type: 'boolean', default: false },
      initiator: { type: 'string', default: process.env.USER ?? 'operator' },
      'workflow-id': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const playbook = positionals[0];
  if (!playbook || !values.resource) {
    console.error(USAGE);
    return 2;
  }
  let params: unknown;
  try {
    params = JSON.parse(values.params);
  } catch {
    console.error(`--params is not valid JSON: ${values.params}`);
    return 2;
  }
  const config = loadConfig();
  const client = await connectClient(config);
  try {
    const handle = await startPlaybook(client, {
      playbook,
      params,
      context: {
        resource: values.resource,
        initiator: values.initiator,
        dryRun: values['dry-run'],
        reason: 'client script',
      },
      taskQueuePrefix: config.temporal.taskQueuePrefix,
      workflowId: values['workflow-id'],
    });
    const log = (line: string) => (values.json ? undefined : console.error(`[${playbook}] ${line}`));
    log(`started ${handle.workflowId}`);
    const result = await followStatus(handle, log);
    const status = await handle.query(statusQuery);
    if (values.json) console.log(JSON.stringify({ workflowId: handle.workflowId, result, status }, null, 2));
    else console.log(`${result.outcome}: ${result.summary}`);
    return result.outcome === 'recovered' ? 0 : 1;
  } catch (err) {
    if (err instanceof PlaybookInputError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  } finally {
    await client.connection.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
