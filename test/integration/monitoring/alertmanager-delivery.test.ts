// Issue 13, Done-when: an alert added by hand with `amtool alert add` (a routable label set) is
// delivered by the stack's real Alertmanager to Rebound's webhook and opens an incident that
// `rebound list` shows, whose status says where it came from (labels, fingerprint, groupKey,
// externalURL, generatorURL); `amtool alert add --end` resolves it in Alertmanager. Also: the
// stack's Prometheus loaded one rule per scenario and scrapes the exporter and the API, and the
// token Alertmanager sends is only ever in its credentials file, never in the rendered config.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readDevTokens } from '../../../client/auth/dev-tokens';
import { Monitoring, alertmanagerUrl } from '../../../client/monitoring';
import { type IncidentSummary, type IncidentView } from '../../../shared/api/schemas';
import { loadConfig } from '../../../shared/config';
import { REPO_ROOT } from '../../../shared/paths';

const run = promisify(execFile);
const config = loadConfig();
const monitoring = new Monitoring(config);
const amtool = (...args: string[]) =>
  run('amtool', [`--alertmanager.url=${alertmanagerUrl(config)}`, ...args], { encoding: 'utf8' });
const rebound = async (...args: string[]) =>
  (await run(join(REPO_ROOT, 'bin', 'rebound'), args, { encoding: 'utf8', env: process.env })).stdout;

async function until<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

jest.setTimeout(120_000);

test('amtool alert add → Alertmanager → webhook → an incident rebound list shows, with its origin; --end resolves it', async () => {
  // ReboundDependencyDown routes to health-probe (config/routing.yaml): quick and harmless. The
  // stack label is this test's own, so earlier runs never collide with it.
  const stack = `amtool-${randomUUID().slice(0, 8)}`;
  const labels = [`alertname=ReboundDependencyDown`, `stack=${stack}`, 'severity=warning'];
  const generatorURL = `http://127.0.0.1:${config.monitoring.prometheusPort}/graph?g0.expr=up`;
  await amtool(
    'alert',
    'add',
    ...labels,
    '--annotation=summary=added by hand',
    `--generator-url=${generatorURL}`,
  );

  const resource = `stack:${stack}`;
  const listed = await until('the incident in rebound list', async () => {
    const out = JSON.parse(await rebound('--json', 'list', '--resource', resource)) as IncidentSummary[];
    return out[0];
  });
  expect(listed.playbook).toBe('health-probe');
  // The human-readable list shows it as well.
  expect(await rebound('list', '--resource', resource)).toContain(resource);

  const view = JSON.parse(await rebound('--json', 'status', listed.incidentId)) as IncidentView;
  const alert = view.alerts[0];
  const inAlertmanager = await until('the alert in Alertmanager', async () =>
    (await monitoring.alertmanagerAlerts()).find((a) => a.labels.stack === stack),
  );
  expect(alert).toMatchObject({
    alertname: 'ReboundDependencyDown',
    fingerprint: inAlertmanager.fingerprint,
    labels: { alertname: 'ReboundDependencyDown', stack, severity: 'warning' },
    generatorURL,
    externalURL: alertmanagerUrl(config),
  });
  // group_by ['...']: the group key names every label of the alert.
  expect(alert.groupKey).toContain(`stack="${stack}"`);
  const text = await rebound('status', listed.incidentId);
  expect(text).toContain(`fingerprint ${inAlertmanager.fingerprint}`);
  expect(text).toContain(`Alertmanager group: ${alert.groupKey}`);
  expect(text).toContain(`Prometheus: ${generatorURL}`);

  // Resolving by hand: the alert ends in Alertmanager (which sends the resolution, send_resolved).
  await amtool('alert', 'add', ...labels, `--end=${new Date().toISOString()}`);
  await until('the alert resolved in Alertmanager', async () =>
    (await monitoring.alertmanagerAlerts()).some((a) => a.labels.stack === stack) ? undefined : true,
  );
});

test('an alert without a route still reaches Rebound: a needs-human incident keyed by its fingerprint', async () => {
  const name = `NoSuchRoute${randomUUID().slice(0, 8)}`;
  await amtool('alert', 'add', `alertname=${name}`, 'severity=warning');
  const am = await until('the alert in Alertmanager', async () =>
    (await monitoring.alertmanagerAlerts()).find((a) => a.labels.alertname === name),
  );
  const view = await until('the needs-human incident', async () => {
    const out = JSON.parse(await rebound('--json', 'list', '--status', 'running')) as IncidentSummary[];
    const hit = out.find((i) => i.incidentId.includes(am.fingerprint));
    return hit ? (JSON.parse(await rebound('--json', 'status', hit.incidentId)) as IncidentView) : undefined;
  });
  expect(view.incident.phase).toBe('needs-human');
  // Resolving it in Alertmanager closes the incident (send_resolved: true).
  await amtool('alert', 'add', `alertname=${name}`, 'severity=warning', `--end=${new Date().toISOString()}`);
  await until('the incident closed by the resolution', async () => {
    const v = JSON.parse(await rebound('--json', 'status', view.incidentId)) as IncidentView;
    return v.running ? undefined : v;
  });
});

test('Prometheus loaded one rule per scenario and scrapes the exporter and the API', async () => {
  expect((await monitoring.alertRules()).sort()).toEqual(
    [
      'CacheCorruption',
      'EntitlementCacheStale',
      'KafkaConsumerCrashLoop',
      'OrgDeletionRequested',
      'OrphanedOrgData',
      'OutboxBacklog',
      'RegionsDiverged',
    ].sort(),
  );
  const targets = await until('both targets scraped', async () => {
    const t = await monitoring.targets();
    return ['platform', 'rebound'].every((job) => t.some((x) => x.job === job && x.health === 'up'))
      ? t
      : undefined;
  });
  expect(targets.map((t) => t.job)).toEqual(expect.arrayContaining(['platform', 'rebound']));
});

test('the alertmanager token is read from a file only its owner can read, never written into the config', () => {
  const token = readDevTokens()?.alertmanager?.token;
  expect(token).toBeTruthy();
  const dir = join(REPO_ROOT, '.rebound', 'data', 'alertmanager');
  const rendered = readFileSync(join(dir, 'alertmanager.yml'), 'utf8');
  expect(rendered).not.toContain(token);
  expect(rendered).toContain(`credentials_file: '${join(dir, 'rebound-token')}'`);
  expect(readFileSync(join(dir, 'rebound-token'), 'utf8')).toBe(token);
  expect(statSync(join(dir, 'rebound-token')).mode & 0o077).toBe(0);
});
