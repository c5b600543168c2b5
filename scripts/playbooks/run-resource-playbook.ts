// The client scripts of the reconciliation playbooks share this: start the playbook for a
// resource directly on Temporal (no control plane needed), the parameters the resource determines
// taken from it, follow it to the end, print the result (or, with --json, the result and the
// final status, whose `plan` a dry run fills). Exit 0 recovered, 1 any other outcome, 2 bad input.
import { parseArgs } from 'node:util';
import { followStatus } from '../../client/follow-status';
import { PlaybookInputError, startPlaybook } from '../../client/start-playbook';
import { connectClient } from '../../client/temporal-client';
import { loadConfig } from '../../shared/config';
import { statusQuery } from '../../shared/workflow-interface';

export interface ResourcePlaybook {
  playbook: string;
  /** The resource kind, e.g. `outbox` for outbox:platform. */
  kind: string;
  defaultId?: string;
  /** The parameter the resource's id determines, e.g. `outbox`. */
  param: string;
}

export async function runResourcePlaybook(spec: ResourcePlaybook, argv: string[]): Promise<number> {
  const usage = `usage: ${spec.playbook} [${spec.kind}-id${spec.defaultId ? `, default ${spec.defaultId}` : ''}] [--params JSON] [--dry-run] [--json] [--workflow-id ID]`;
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      params: { type: 'string', default: '{}' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'workflow-id': { type: 'string' },
      initiator: { type: 'string', default: process.env.USER ?? 'operator' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const id = positionals[0] ?? spec.defaultId;
  if (values.help || !id) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  let extra: Record<string, unknown>;
  try {
    extra = JSON.parse(values.params) as Record<string, unknown>;
  } catch {
    console.error(`--params is not valid JSON: ${values.params}`);
    return 2;
  }
  if (extra[spec.param] !== undefined && extra[spec.param] !== id) {
    console.error(
      `--params ${spec.param}=${JSON.stringify(extra[spec.param])} contradicts the resource ${spec.kind}:${id}`,
    );
    return 2;
  }
  const config = loadConfig();
  const client = await connectClient(config);
  try {
    const handle = await startPlaybook(client, {
      playbook: spec.playbook,
      params: { ...extra, [spec.param]: id },
      context: {
        resource: `${spec.kind}:${id}`,
        initiator: values.initiator,
        dryRun: values['dry-run'],
        reason: 'client script',
      },
      taskQueuePrefix: config.temporal.taskQueuePrefix,
      workflowId: values['workflow-id'] ?? `${spec.playbook}/${spec.kind}:${id}/${Date.now().toString(36)}`,
    });
    const log = (line: string) => (values.json ? undefined : console.error(`[${spec.playbook}] ${line}`));
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

export function main(spec: ResourcePlaybook): void {
  runResourcePlaybook(spec, process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
