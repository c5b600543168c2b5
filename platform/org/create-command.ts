// `rebound platform org create --members N --workflows N --notifications N [--json]`: creates a
// populated org and prints its id (with --json, the id, name, row counts and cache keys). Also
// runnable directly: `tsx platform/org/create-command.ts --members 5 ...`.
import { parseArgs } from 'node:util';
import { loadConfig } from '../../shared/config';
import { createPool, createRedis } from '../../workers/clients';
import { createOrg, type CreateOrgOptions } from './generator';

const USAGE =
  'usage: rebound platform org create --members N --workflows N --notifications N [--runs-per-workflow N] [--name NAME] [--json]';

function count(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text))
    throw new UsageError(`--${flag} must be a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

class UsageError extends Error {}

export async function orgCreateCommand(argv: string[]): Promise<number> {
  let opts: CreateOrgOptions;
  let json: boolean;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        members: { type: 'string' },
        workflows: { type: 'string' },
        notifications: { type: 'string' },
        'runs-per-workflow': { type: 'string' },
        name: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    opts = {
      members: count(values.members, 'members', 3),
      workflows: count(values.workflows, 'workflows', 2),
      notifications: count(values.notifications, 'notifications', 5),
      runsPerWorkflow: count(values['runs-per-workflow'], 'runs-per-workflow', 2),
      name: values.name,
    };
    json = values.json;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const config = loadConfig();
  const pool = createPool(config, 'platform', 2);
  const redis = createRedis(config, 'rebound-org-create');
  try {
    const org = await createOrg({ pool, redis }, opts);
    console.log(json ? JSON.stringify(org, null, 2) : org.orgId);
    return 0;
  } finally {
    await Promise.allSettled([pool.end(), redis.quit()]);
  }
}

if (require.main === module) {
  orgCreateCommand(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
