// `rebound platform regions diverge --keys N --divergence P [--conflicts Q] [--deletes R]
// [--manual S] [--dataset NAME] [--seed N] [--json]`: replaces the dataset's rows on both regions
// with a diverged pair (see generator.ts) and prints what it created.
import { parseArgs } from 'node:util';
import { loadConfig } from '../../shared/config';
import { loadDatasets } from '../../shared/partition-merge/load-datasets';
import { createDatabasePool } from '../../workers/clients';
import { diverge, type DivergeOptions } from './generator';

const USAGE =
  'usage: rebound platform regions diverge --keys N --divergence P [--conflicts SHARE] [--deletes SHARE] [--manual SHARE] [--dataset NAME] [--seed N] [--json]';

class UsageError extends Error {}

function num(text: string | undefined, flag: string, fallback: number, integer = false): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `--${flag} must be a non-negative ${integer ? 'whole ' : ''}number, got ${JSON.stringify(text)}`,
    );
  }
  return n;
}

export async function regionsDivergeCommand(argv: string[]): Promise<number> {
  let opts: DivergeOptions;
  let name: string;
  let json: boolean;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        keys: { type: 'string' },
        divergence: { type: 'string' },
        conflicts: { type: 'string' },
        deletes: { type: 'string' },
        manual: { type: 'string' },
        dataset: { type: 'string', default: 'accounts' },
        seed: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (values.keys === undefined || values.divergence === undefined)
      throw new UsageError('--keys and --divergence are required');
    opts = {
      keys: num(values.keys, 'keys', 0, true),
      divergence: num(values.divergence, 'divergence', 0),
      conflictShare: num(values.conflicts, 'conflicts', 0.3),
      deleteShare: num(values.deletes, 'deletes', 0.2),
      manualShare: num(values.manual, 'manual', 0),
      seed: num(values.seed, 'seed', 1, true),
    };
    name = values.dataset;
    json = values.json;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const dataset = loadDatasets()[name];
  if (!dataset) {
    console.error(`dataset ${name} is not declared in the datasets file`);
    return 2;
  }
  const config = loadConfig();
  const pools = dataset.regions.map((r) => createDatabasePool(config, r.database, 2)) as [
    ReturnType<typeof createDatabasePool>,
    ReturnType<typeof createDatabasePool>,
  ];
  try {
    const report = await diverge(name, dataset, pools, opts);
    if (json) console.log(JSON.stringify(report, null, 2));
    else {
      const one = Object.entries(report.oneSided)
        .map(([r, n]) => `${n} on ${r}`)
        .join(', ');
      console.log(
        `${name}: ${report.keys} keys per region; changed during the partition: ${one} (one-sided), ${report.conflicts} conflicts (${report.deleteVsUpdate} delete vs update, ${report.manual} manual)`,
      );
    }
    return 0;
  } catch (err) {
    console.error(`regions diverge failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
}

if (require.main === module) {
  regionsDivergeCommand(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
