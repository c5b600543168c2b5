// The chaos command (`npm run chaos [-- --playbooks a,b] [--faults kill,temporal,postgres,redis,kafka,network,two-workers,duplicate] [--fast]`):
// for every playbook the harness covers (test/chaos/scenarios.ts), a reference run to learn its
// step boundaries, then its scenario on the real stack under each fault: SIGKILL of the worker at
// every step boundary in turn (then a new worker), the Temporal server killed and restarted,
// PostgreSQL, Redis and Kafka each stopped for 30 s, network faults between the worker and
// PostgreSQL, Redis, Temporal and Kafka through Toxiproxy (latency, connection resets, a 60 s blackhole;
// family `network`, built with `go install` on first use), two workers at once, a duplicate trigger.
// Each end state is checked against the scenario's invariant counted in the real stores. Prints
// one row per playbook × fault (runs, passed, effects doubled, data lost, time to recover),
// writes the table to bench/results/chaos-<commit>.md and .json, exits 1 on any failure.
// `--fast` is the subset the test command runs: one crash point and one outage per playbook.
// It stops parts of the stack: run it alone (nothing else on this checkout's stack).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectClient } from '../client/temporal-client';
import { loadConfig } from '../shared/config';
import { REPO_ROOT } from '../shared/paths';
import { createKafka, createPool, createRedis } from '../workers/clients';
import { FAULT_FAMILIES, runChaosMatrix, chaosTable } from '../test/chaos/matrix';
import { CHAOS_SCENARIOS } from '../test/chaos/scenarios';
import { removeTestNotifications } from '../test/support/test-orphans';
import { numberOption, parseCommandLine } from './lib/command-line';
import { commitLabel } from './lib/commit-label';
import { endMaintenanceSilence, startMaintenanceSilence } from './lib/maintenance-silence';

/**
 * The result file's name (no extension): `chaos-<commit>` for the whole matrix, with the run's
 * selection appended otherwise, and a counter when that name was taken (a second run of the same
 * selection on the same commit must not overwrite the first run's table).
 */
function resultName(
  commit: string,
  fast: boolean | undefined,
  playbooks: string | undefined,
  faults: string | undefined,
  killSteps: { from: number; to: number } | undefined,
): string {
  const parts = [`chaos-${commit}`];
  if (fast) parts.push('fast');
  if (playbooks) parts.push(playbooks.split(',').join('+'));
  if (faults) parts.push(faults.split(',').join('+'));
  if (killSteps) parts.push(`steps${killSteps.from}-${killSteps.to}`);
  const base = parts.join('-');
  let name = base;
  for (let i = 2; existsSync(join(REPO_ROOT, 'bench', 'results', `${name}.md`)); i++) name = `${base}-${i}`;
  return name;
}

async function main(): Promise<number> {
  const values = parseCommandLine(
    __filename,
    {
      playbooks: { type: 'string' },
      faults: { type: 'string' },
      fast: { type: 'boolean', default: false },
      outage: { type: 'string', default: '30' },
      'kill-steps': { type: 'string' },
    },
    {
      usage: () =>
        [
          'npm run chaos -- [--playbooks a,b] [--faults kill,temporal,postgres,redis,kafka,network,two-workers,duplicate] [--fast] [--outage seconds]',
          '  --faults network-postgres,network-redis,network-temporal,network-kafka: the network cells of one dependency',
          '  --fast: one crash point (worker SIGKILL after step 1) and one outage per playbook',
          '  --kill-steps N or N-M: the kill family at these step boundaries only (to re-run a failed case)',
          '  playbooks and the invariant each is checked against:',
          ...CHAOS_SCENARIOS.map((s) => `    ${s.playbook}: ${s.invariant}`),
        ].join('\n'),
    },
  );
  const outageSeconds = numberOption(values.outage, 'outage', { min: 1 });
  let killSteps: { from: number; to: number } | undefined;
  if (values['kill-steps'] !== undefined) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(values['kill-steps']);
    const from = Number(m?.[1]);
    const to = Number(m?.[2] ?? m?.[1]);
    if (!m || from < 1 || to < from) {
      console.error(`--kill-steps takes N or N-M with 1 ≤ N ≤ M, not "${values['kill-steps']}"`);
      return 2;
    }
    killSteps = { from, to };
  }
  const unknownFaults = values.faults?.split(',').filter((f) => !FAULT_FAMILIES.includes(f));
  if (unknownFaults?.length) {
    console.error(
      `unknown fault famil${unknownFaults.length > 1 ? 'ies' : 'y'} ${unknownFaults.join(', ')}; known: ${FAULT_FAMILIES.join(', ')}`,
    );
    return 2;
  }
  const unknown = values.playbooks?.split(',').filter((p) => !CHAOS_SCENARIOS.some((s) => s.playbook === p));
  if (unknown?.length) {
    console.error(`no chaos scenario for ${unknown.join(', ')} (see --help)`);
    return 2;
  }
  // The scenarios inject the very faults the stack's alert rules detect (a crash-looping group, a
  // drifted cache, an outbox backlog): without the test command's maintenance silence the stack's
  // own Rebound starts a second recovery on the chaos fixtures under the run being measured (it
  // stopped a chaos consumer group; a resync opened by EntitlementCacheStale emitted the events a
  // case was counted on).
  const silence = startMaintenanceSilence('npm run chaos');
  const config = loadConfig();
  const client = await connectClient(config);
  const stores = {
    pool: createPool(config, 'platform', 4),
    redis: createRedis(config, 'rebound-chaos'),
    kafka: createKafka(config, 'rebound-chaos'),
  };
  // The harness stops Redis on purpose: its client's reconnect errors are expected, not news.
  stores.redis.on('error', () => undefined);
  const started = new Date();
  // The code under test is the tree as the run starts (its workers start from it): read the commit
  // now, not after hours of cases, and say so when uncommitted changes were in it.
  // (Earlier runs' result files do not count: they are not code.)
  const commit = commitLabel({ untracked: true, exclude: ['bench/results'] });
  try {
    const rows = await runChaosMatrix(client, stores, {
      playbooks: values.playbooks?.split(','),
      faults: values.faults?.split(','),
      fast: values.fast,
      outageSeconds,
      killSteps,
      log: console.log,
    });
    const table = chaosTable(rows);
    const header = `Chaos matrix of ${commit}${values.fast ? ' (fast subset)' : ''}, started ${started.toISOString()}`;
    console.log(`\n${header}\n\n${table}`);
    mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
    const name = resultName(commit, values.fast, values.playbooks, values.faults, killSteps);
    writeFileSync(join(REPO_ROOT, 'bench', 'results', `${name}.md`), `# ${header}\n\n${table}\n`);
    writeFileSync(
      join(REPO_ROOT, 'bench', 'results', `${name}.json`),
      JSON.stringify({ commit, started: started.toISOString(), rows }, null, 2) + '\n',
    );
    console.log(`\nwritten to bench/results/${name}.md and .json`);
    return rows.every((r) => r.passed === r.runs) ? 0 : 1;
  } finally {
    endMaintenanceSilence(silence);
    // The scenarios' notification events name orgs that exist only in them (see test-orphans.ts).
    await removeTestNotifications(stores.pool, started).catch(() => 0);
    await client.connection.close();
    await stores.pool.end();
    stores.redis.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
