// The bad-input campaign (`npm run fuzz [-- --runs 10000] [--seed N] [--only text]`): fast-check
// inputs against every endpoint of the checkout's running API (`stack up`), with the stack's dev
// tokens, then against the routing, policy and schedules file loaders. Prints the counts per
// endpoint and per loader, writes them to bench/results/fuzz-<commit>.md and .json, and exits 1 on
// any finding (a 5xx, an invalid input accepted, a workflow started, the server down, a loader
// crash). A short run of the same campaign is part of the normal test command.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDevTokens } from '../client/auth/dev-tokens';
import { connectClient } from '../client/temporal-client';
import { loadConfig } from '../shared/config';
import { REPO_ROOT } from '../shared/paths';
import { workflowTaskQueue } from '../shared/task-queues';
import { runApiCampaign, targetPassed } from '../test/fuzz/api-campaign';
import { fuzzTargets, pickedBy } from '../test/fuzz/api-targets';
import { runConfigCampaign } from '../test/fuzz/config-campaign';
import { fuzzTokens } from '../test/fuzz/fuzz-tokens';
import { numberOption, parseCommandLine } from './lib/command-line';
import { headCommit } from './lib/commit-label';

async function main(): Promise<number> {
  const values = parseCommandLine(__filename, {
    runs: { type: 'string', default: '10000' },
    'file-runs': { type: 'string', default: '10000' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    only: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
  });
  const seed = numberOption(values.seed, 'seed', { min: 0 });
  const runs = numberOption(values.runs, 'runs');
  const fileRuns = numberOption(values['file-runs'], 'file-runs');
  const concurrency = numberOption(values.concurrency, 'concurrency');
  // Each name picks the endpoints whose name contains it: one that picks none is a typo, and the
  // campaign would otherwise test nothing and pass.
  const only = values.only?.split(',');
  const targets = fuzzTargets();
  const unmatched = only?.filter((n) => !targets.some((t) => pickedBy(t, [n]))) ?? [];
  if (unmatched.length > 0) {
    console.error(
      `--only: no endpoint matches ${unmatched.map((n) => `"${n}"`).join(', ')}; endpoints: ${targets.map((t) => t.name).join(', ')}`,
    );
    return 2;
  }
  const config = loadConfig();
  const devTokens = readDevTokens();
  if (!devTokens) throw new Error('no dev tokens: run `npm run stack -- up` first');
  const client = await connectClient(config);
  const started = new Date();
  try {
    console.log(`fuzz seed ${seed} (replay a finding with --seed ${seed})`);
    const api = await runApiCampaign({
      baseUrl: `http://${config.api.host}:${config.api.port}`,
      tokens: fuzzTokens(devTokens),
      client,
      taskQueue: workflowTaskQueue(config.temporal.taskQueuePrefix),
      runs,
      seed,
      concurrency,
      only,
      log: console.log,
    });
    const files = only ? [] : runConfigCampaign(fileRuns, seed, console.log);
    const commit = headCommit();
    const lines = [
      `# Bad-input campaign of ${commit}, seed ${seed}, started ${started.toISOString()}`,
      '',
      '| endpoint | inputs | statuses | 5xx | invalid accepted | workflows started | alive after | result |',
      '| --- | ---: | --- | ---: | ---: | ---: | --- | --- |',
      ...api.map(
        (c) =>
          `| ${c.target} | ${c.runs} | ${Object.entries(c.byStatus)
            .map(([s, n]) => `${s}: ${n}`)
            .join(
              ', ',
            )} | ${c.serverErrors} | ${c.acceptedInvalid} | ${c.workflowsAfter - c.workflowsBefore} | ${c.aliveAfter} | ${targetPassed(c) ? 'pass' : 'FAIL'} |`,
      ),
      '',
      '| file loader | texts | loaded | clear errors | crashes |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...files.map((c) => `| ${c.loader} | ${c.runs} | ${c.loaded} | ${c.clearErrors} | ${c.crashes} |`),
    ];
    console.log(`\n${lines.join('\n')}`);
    for (const c of [...api, ...files])
      for (const f of c.findings) console.log('finding:', JSON.stringify(f));
    mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(REPO_ROOT, 'bench', 'results', `fuzz-${commit}.md`), lines.join('\n') + '\n');
    writeFileSync(
      join(REPO_ROOT, 'bench', 'results', `fuzz-${commit}.json`),
      JSON.stringify({ commit, seed, started: started.toISOString(), api, files }, null, 2) + '\n',
    );
    const failed = api.some((c) => !targetPassed(c)) || files.some((c) => c.crashes > 0);
    return failed ? 1 : 0;
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
