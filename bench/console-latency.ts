// Operator console figures (a command, not a test), against the running local stack (`stack up`):
//   npx tsx bench/console-latency.ts [--triggers 5]
// Signs in to the console in Debian's chromium as alice, reports the time from opening `/` to the
// list shown and the console's files it loaded (the page, its modules and style sheet, bytes), then triggers N org-deletions (orgs with
// members: each waits for approval) through the API as operator and reports how long each took
// to appear in the open list without a reload. Cancels the incidents it started at the end.
import { chromium } from 'playwright-core';
import { readDevTokens } from '../client/auth/dev-tokens';
import { defaultApiUrl } from '../client/cli/api-client';
import { createOrg } from '../platform/org/generator';
import { loadConfig } from '../shared/config';
import { createPool, createRedis } from '../workers/clients';
import { numberOption, parseCommandLine } from '../scripts/lib/command-line';

// Globals of the page, for the functions page.evaluate runs there (no DOM lib in this program).
declare const performance: { getEntriesByType(t: string): { name: string; encodedBodySize?: number }[] };

async function main(): Promise<void> {
  const values = parseCommandLine(__filename, { triggers: { type: 'string', default: '5' } });
  const triggers = numberOption(values.triggers, 'triggers');
  const url = defaultApiUrl();
  const tokens = readDevTokens();
  if (!tokens) throw new Error('no dev tokens: run `rebound stack up` first');
  const config = loadConfig();
  const pool = createPool(config, 'platform');
  const redis = createRedis(config, 'rebound-bench-console');
  const browser = await chromium.launch({
    executablePath: process.env.REBOUND_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const started: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    let t = performance_now();
    await page.goto(`${url}/`);
    await page.getByLabel('API token').fill(tokens.alice.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#list-summary').waitFor();
    const firstLoadMs = performance_now() - t;
    // The console's own files (the API reads the page makes are resources too).
    const resources = (
      await page.evaluate(() =>
        performance
          .getEntriesByType('resource')
          .map((r) => ({ name: r.name, bytes: r.encodedBodySize ?? 0 })),
      )
    ).filter((r) => new URL(r.name).pathname.startsWith('/console/'));
    const appear: number[] = [];
    for (let i = 0; i < triggers; i++) {
      const org = await createOrg({ pool, redis }, { members: 2, workflows: 1, notifications: 1 });
      t = performance_now();
      const res = await fetch(`${url}/v1/incidents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.operator.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          playbook: 'org-deletion',
          resource: `org:${org.orgId}`,
          params: { orgId: org.orgId, mode: 'delete' },
          reason: 'console latency bench',
        }),
      });
      const { incidentId } = (await res.json()) as { incidentId: string };
      started.push(incidentId);
      await page.locator(`tr[data-incident="${incidentId}"]`).waitFor({ timeout: 60_000 });
      appear.push(Math.round(performance_now() - t));
    }
    console.log(
      JSON.stringify(
        {
          firstLoadMs: Math.round(firstLoadMs),
          consoleFiles: resources.length + 1,
          consoleBytes: resources.reduce((n, r) => n + r.bytes, 0),
          triggerToRowMs: appear,
        },
        null,
        2,
      ),
    );
  } finally {
    for (const id of started)
      await fetch(`${url}/v1/incidents/${encodeURIComponent(id)}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.operator.token}` },
      }).catch(() => undefined);
    await browser.close();
    await Promise.allSettled([pool.end(), redis.quit()]);
  }
}

function performance_now(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
