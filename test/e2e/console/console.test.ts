// The operator console in a real headless Chromium against the real stack (issue 15): the real
// API in-process serving the console, a real worker process, Temporal, Postgres, Redis, Kafka.
// A recovery that needs approval (org-deletion of an org with members: the dev policy's
// approvalAboveMembers is 0) shows up in the list without a reload; the initiator and a principal
// without the approver role see no approve button and a request forced past the page is refused
// (403); an approver approves from the inbox and the incident page's timeline shows it finish; the
// kill switch is paused and resumed, each with a reason. Screenshots go to .rebound/screenshots/ (docs/screenshots/ with REBOUND_UPDATE_SCREENSHOTS=1).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { type Pool } from 'pg';
import { type Redis } from 'ioredis';
import { createOrg } from '../../../platform/org/generator';
import { loadConfig } from '../../../shared/config';
import { REPO_ROOT } from '../../../shared/paths';
import { createPool, createRedis } from '../../../workers/clients';
import {
  alertmanagerWebhook,
  pollUntil,
  startApiHarness,
  type ApiHarness,
} from '../../integration/api/api-harness';
import { buildConsole, launchBrowser, pageErrors, screenshot, signedInPage } from './browser';

jest.setTimeout(300_000);

// Globals of the page, for the functions page.evaluate runs there (the Node type-check has no DOM lib).
declare const window: { marker?: number; pwned?: number };
declare const sessionStorage: { getItem(key: string): string | null; length: number };
declare const localStorage: { length: number };
declare const document: { cookie: string; activeElement: { textContent: string | null } | null };

const ROUTING = `
guardrails:
  budget: { max: 20, window: 10m }
  needsHumanTimeout: 1h
routes:
  - name: orphaned-org-data
    match: { alertname: OrphanedOrgData }
    playbook: org-deletion
    resource: 'org:{{labels.org}}'
    params: { orgId: '{{labels.org}}', mode: cleanup }
    classification: { severity: ERROR, category: data, recoverability: approval }
`;

let h: ApiHarness;
let browser: Browser;
let pool: Pool;
let redis: Redis;
const pages: Page[] = [];

beforeAll(async () => {
  buildConsole();
  const config = loadConfig();
  pool = createPool(config, 'platform');
  redis = createRedis(config, 'rebound-test-console');
  h = await startApiHarness('console', {
    routing: ROUTING,
    policy: readFileSync(join(REPO_ROOT, 'config/policy.dev.yaml'), 'utf8'),
    // Starts recoveries and holds the approver role: the four-eyes rule still keeps her out.
    principals: { dana: ['incidents:read', 'incidents:write', 'approver'] },
  });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await h?.call('admin', 'POST', '/v1/control/resume', {}).catch(() => undefined);
  await browser?.close();
  // A poll that was in flight when its page closed keeps running in the API (the handler outlives
  // the socket); let it finish before the API closes its Temporal connection under it.
  await new Promise((r) => setTimeout(r, 3000));
  await h?.close();
  await Promise.allSettled([pool?.end(), redis?.quit()]);
}, 120_000);

// Each test's windows close after it: no page keeps polling the API through the next test.
afterEach(async () => {
  const open = pages.splice(0);
  for (const p of open) expect(pageErrors(p)).toEqual([]);
  await Promise.all(open.map((p) => p.context().close()));
});

async function open(principal: string, search = ''): Promise<Page> {
  const page = await signedInPage(browser, h.url, h.tokens[principal], search);
  pages.push(page);
  return page;
}

/** A POST sent from the page with its own session token, past whatever the page offers. */
function forcedPost(page: Page, path: string, body: unknown): Promise<{ status: number; error?: string }> {
  return page.evaluate(
    async ({ path, body }) => {
      const token = sessionStorage.getItem('rebound.console.token');
      const res = await fetch(path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, error: ((await res.json()) as { error?: string }).error };
    },
    { path, body },
  );
}

test('a recovery that needs approval appears live, is refused to the initiator and to a non-approver, approved from the inbox, and its timeline finishes', async () => {
  const alice = await open('alice');
  await alice.locator('#list-summary').waitFor();
  // A marker that a reload would wipe: the list must update in place.
  await alice.evaluate(() => (window.marker = 42));

  const org = await createOrg({ pool, redis }, { members: 3, workflows: 1, notifications: 2 });
  const started = await h.call('dana', 'POST', '/v1/incidents', {
    playbook: 'org-deletion',
    resource: `org:${org.orgId}`,
    params: { orgId: org.orgId, mode: 'delete' },
    reason: 'console e2e: customer asked for deletion',
  });
  expect(started.status).toBe(201);
  const id: string = started.body.incidentId;

  const row = alice.locator(`tr[data-incident="${id}"]`);
  await row.waitFor({ timeout: 30_000 });
  await alice
    .locator(`tr[data-incident="${id}"][data-phase="awaiting-approval"]`)
    .waitFor({ timeout: 60_000 });
  expect(await row.getByRole('link', { name: 'needs approval' }).count()).toBe(1);
  expect(await alice.evaluate(() => window.marker)).toBe(42);
  await screenshot(alice, 'console-incidents.png', { x: 0, y: 0, width: 1280, height: 380 });

  const gate = (await h.call('alice', 'GET', `/v1/incidents/${encodeURIComponent(id)}`)).body.playbook
    .pendingApproval as { id: string; digest: string };
  const decision = { decision: 'approve', comment: 'forced', approvalId: gate.id, digest: gate.digest };
  const approvals = `/v1/incidents/${encodeURIComponent(id)}/approvals`;

  // The initiator holds the approver role, but sees no button, and the API refuses her anyway.
  const dana = await open('dana');
  await dana.getByRole('link', { name: 'Approval inbox' }).click();
  const danaCard = dana.locator(`article.gate-card[data-incident="${id}"]`);
  await danaCard.waitFor();
  await expect(danaCard.locator('.not-yours').textContent()).resolves.toContain('you started this recovery');
  expect(await danaCard.getByRole('button', { name: 'Approve' }).count()).toBe(0);
  await expect(forcedPost(dana, approvals, decision)).resolves.toEqual({
    status: 403,
    error: 'SelfApproval',
  });

  // A principal without the approver role: no button, and a forced request is a 403.
  const operator = await open('operator');
  await operator.getByRole('link', { name: 'Approval inbox' }).click();
  const opCard = operator.locator(`article.gate-card[data-incident="${id}"]`);
  await opCard.waitFor();
  await expect(opCard.locator('.not-yours').textContent()).resolves.toContain('lacks the approver role');
  expect(await opCard.getByRole('button', { name: 'Approve' }).count()).toBe(0);
  await expect(forcedPost(operator, approvals, decision)).resolves.toEqual({
    status: 403,
    error: 'forbidden',
  });

  // Bob opens the gate too, in a window that stops refreshing: what he sees goes stale.
  const bob = await open('bob', '?poll=600000');
  await bob.getByRole('link', { name: 'Approval inbox' }).click();
  const bobCard = bob.locator(`article.gate-card[data-incident="${id}"]`);
  await bobCard.waitFor();

  // The approver decides from the inbox, with the keyboard: comment, Tab to Approve, Enter.
  await alice.getByRole('link', { name: 'Approval inbox' }).click();
  const card = alice.locator(`article.gate-card[data-incident="${id}"]`);
  await card.waitFor();
  await expect(card.textContent()).resolves.toContain(gate.digest);
  await expect(card.textContent()).resolves.toContain('restore the org (compensate) and close');
  await card.getByLabel('Comment (kept with your vote)').fill('customer confirmed in ticket 4711');
  await screenshot(alice, 'console-inbox.png');
  await card.getByLabel('Comment (kept with your vote)').focus();
  await alice.keyboard.press('Tab');
  await expect(alice.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Approve');
  await alice.keyboard.press('Enter');
  await alice.locator('#inbox-flash', { hasText: 'Approved' }).waitFor({ timeout: 30_000 });
  // The vote went through the API as alice, with the gate's id and digest, and is audited.
  const view = (await h.call('alice', 'GET', `/v1/incidents/${encodeURIComponent(id)}`)).body;
  const decided = view.playbook.decisions.find((d: { approvalId: string }) => d.approvalId === gate.id);
  expect(decided).toMatchObject({
    outcome: 'approved',
    votes: [{ principal: 'alice', decision: 'approve', comment: 'customer confirmed in ticket 4711' }],
  });

  // Bob's stale approval names a gate that has settled: the API refuses it, the page says so.
  await bobCard.getByRole('button', { name: 'Approve' }).click();
  await bob.locator('#inbox-flash', { hasText: 'Refused (409 ApprovalNotPending)' }).waitFor();
  // …and the inbox re-read: the settled gate is gone from it.
  await bobCard.waitFor({ state: 'detached' });
  expect(
    view.playbook.decisions.find((d: { approvalId: string }) => d.approvalId === gate.id).votes,
  ).toHaveLength(1);

  // The incident page: the timeline finishes without a reload.
  await alice
    .locator(`article.gate-card[data-incident="${id}"] a`)
    .first()
    .click()
    .catch(async () => {
      await alice.goto(`${h.url}/#/incident/${encodeURIComponent(id)}`);
    });
  await alice.locator('#incident-status', { hasText: 'closed: recovered' }).waitFor({ timeout: 120_000 });
  const approvalBar = alice.locator('.tl-row[data-kind="approval"][data-state="approved"]');
  await approvalBar.waitFor();
  expect(await alice.locator('.tl-row[data-kind="step"]').count()).toBeGreaterThan(8);
  expect(await alice.locator('.tl-row.tl-open').count()).toBe(0);
  await expect(alice.locator('#sec-audit').textContent()).resolves.toContain('approval-requested');
  await expect(alice.locator('#sec-report').textContent()).resolves.toContain('Incident report');
  // The README shows the top of the page: summary, alerts and the timeline.
  await screenshot(alice, 'console-incident.png', { x: 0, y: 0, width: 1280, height: 1100 });

  const [download] = await Promise.all([
    alice.waitForEvent('download'),
    alice.locator('#download-report').click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/\.md$/);
  const text = readFileSync(await download.path(), 'utf8');
  expect(text).toContain(`# Incident report: ${id}`);
  expect(text).toContain('closed: recovered');
});

test('the kill switch is paused with a reason and resumed from the console, and the pause shows on a running incident’s timeline; a token without incidents:write gets no buttons and a 403', async () => {
  // A recovery waiting at its gate while the switch is pulled.
  const org = await createOrg({ pool, redis }, { members: 2, workflows: 1, notifications: 1 });
  const started = await h.call('dana', 'POST', '/v1/incidents', {
    playbook: 'org-deletion',
    resource: `org:${org.orgId}`,
    params: { orgId: org.orgId, mode: 'delete' },
    reason: 'console e2e: paused while waiting',
  });
  const id: string = started.body.incidentId;
  await pollUntil('the gate', async () =>
    (await h.call('bob', 'GET', `/v1/incidents/${encodeURIComponent(id)}`)).body.playbook?.pendingApproval
      ? true
      : undefined,
  );
  const bob = await open('bob');
  await bob.goto(`${h.url}/#/incident/${encodeURIComponent(id)}`);
  await bob.locator('.tl-row[data-kind="approval"][data-state="pending"]').waitFor();
  expect(await bob.locator('.tl-row[data-kind="pause"]').count()).toBe(0);

  const operator = await open('operator');
  await operator.getByRole('link', { name: 'Control' }).click();
  await operator.locator('#kill-switch', { hasText: 'Running' }).waitFor();
  // The budget as the workflows count it: this test's recovery took a claim before its gate.
  const budget = (await h.call('operator', 'GET', '/v1/control/budget')).body;
  expect(budget).toMatchObject({ max: 20, window: '10m', windowSeconds: 600 });
  expect(budget.used).toBeGreaterThanOrEqual(1);
  await operator
    .locator('#budget-text', { hasText: `${budget.used} of 20 automated recoveries used in the last 10m` })
    .waitFor();

  // A pause needs a reason: the empty form is not sent.
  await operator.getByRole('button', { name: 'Pause all recoveries' }).click();
  expect((await h.call('operator', 'GET', '/v1/control')).body.paused).toBe(false);

  await operator.getByLabel('Reason for pausing').fill('database failover in progress');
  await operator.getByLabel('Reason for pausing').press('Enter');
  await operator.locator('#kill-switch', { hasText: 'PAUSED' }).waitFor();
  await expect(operator.locator('#kill-switch-state').textContent()).resolves.toContain(
    'database failover in progress',
  );
  expect((await h.call('operator', 'GET', '/v1/control')).body).toMatchObject({
    paused: true,
    by: 'operator',
    reason: 'database failover in progress',
  });

  // An approver without incidents:write sees the state, no buttons, and is refused when forcing it.
  const alice = await open('alice');
  await alice.getByRole('link', { name: 'Control' }).click();
  await alice.locator('#kill-switch', { hasText: 'PAUSED' }).waitFor();
  expect(await alice.getByRole('button', { name: /Resume|Pause/ }).count()).toBe(0);
  await expect(forcedPost(alice, '/v1/control/resume', {})).resolves.toEqual({
    status: 403,
    error: 'forbidden',
  });
  expect((await h.call('operator', 'GET', '/v1/control')).body.paused).toBe(true);
  // The running recovery got the pause: a kill-switch bar, open, with the reason.
  const pauseBar = bob.locator('.tl-row[data-kind="pause"][data-state="paused"]').first();
  await pauseBar.waitFor({ timeout: 30_000 });
  await expect(pauseBar.locator('.tl-bar').getAttribute('aria-label')).resolves.toContain(
    'paused: database failover in progress',
  );

  await operator.getByLabel('Reason for resuming (optional)').fill('failover finished');
  await operator.getByRole('button', { name: 'Resume recoveries' }).click();
  await operator.locator('#kill-switch', { hasText: 'Running' }).waitFor();
  const resumed = await pollUntil('the resume', async () => {
    const state = (await h.call('operator', 'GET', '/v1/control')).body;
    return state.paused === false ? state : undefined;
  });
  expect(resumed).toMatchObject({ by: 'operator', reason: 'failover finished' });
  await alice.locator('#kill-switch', { hasText: 'Running' }).waitFor();
  await bob.locator('.tl-row[data-kind="pause"][data-state="resumed"]').first().waitFor({ timeout: 30_000 });
  expect(await bob.locator('.tl-row[data-kind="pause"][data-state="paused"]').count()).toBe(0);
  expect((await h.call('operator', 'POST', `/v1/incidents/${encodeURIComponent(id)}/cancel`)).status).toBe(
    202,
  );
});

test('the token lives in this tab only: a wrong one is refused, sign-out forgets it', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${h.url}/`);
  await page.getByLabel('API token').fill('not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
  await page.getByLabel('API token').fill(h.tokens.bob);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#principal', { hasText: 'bob' }).waitFor();
  const storage = await page.evaluate(() => ({
    session: sessionStorage.getItem('rebound.console.token'),
    local: localStorage.length,
    cookie: document.cookie,
  }));
  expect(storage).toEqual({ session: h.tokens.bob, local: 0, cookie: '' });
  await page.reload();
  await page.locator('#principal', { hasText: 'bob' }).waitFor();
  // Another tab of the same browser does not inherit it.
  const other = await context.newPage();
  await other.goto(`${h.url}/`);
  await other.getByLabel('API token').waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API token').waitFor();
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  await context.close();
});

test('alert labels and annotations are shown as text, never as markup', async () => {
  const evil = '<img src=x onerror="window.pwned=1">';
  const res = await h.call(
    'alertmanager',
    'POST',
    '/v1/alerts/alertmanager',
    alertmanagerWebhook([
      {
        fingerprint: `xss${Date.now()}`,
        alertname: 'ConsoleProbeUnrouted',
        status: 'firing',
        labels: { note: evil, team: '<script>window.pwned=2</script>' },
        annotations: { summary: `**bold** ${evil}` },
      },
    ]),
  );
  expect(res.status).toBe(202);
  const id: string = res.body.incidents[0].incidentId;
  const page = await open('bob');
  await page.goto(`${h.url}/#/incident/${encodeURIComponent(id)}`);
  await page
    .locator('#sec-alerts td', { hasText: 'ConsoleProbeUnrouted' })
    .first()
    .waitFor({ timeout: 60_000 });
  await page.locator('#sec-report h4', { hasText: 'Impact' }).waitFor();
  await expect(page.locator('#sec-alerts').textContent()).resolves.toContain(`note=${evil}`);
  expect(await page.locator('main img, main script, main b').count()).toBe(0);
  expect(await page.evaluate(() => window.pwned)).toBeUndefined();
  // The links back to the alert sources carry the labels as URL data, to the configured hosts.
  const href = await page.getByRole('link', { name: 'Alertmanager' }).getAttribute('href');
  expect(href).toMatch(/^http:\/\/127\.0\.0\.1:9093\/#\/alerts\?filter=/);
  expect(decodeURIComponent(href!.split('filter=')[1])).toContain('alertname="ConsoleProbeUnrouted"');
});
