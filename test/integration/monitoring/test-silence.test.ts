// The test command's maintenance silence (scripts/test-silence.sh): while it is active, an alert
// of the platform's rules is suppressed in the stack's Alertmanager (never delivered to Rebound),
// and an alert of any other name still goes through. Expiring it lets the platform's alerts pass.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Monitoring, alertmanagerUrl } from '../../../client/monitoring';
import { loadConfig } from '../../../shared/config';
import { REPO_ROOT } from '../../../shared/paths';

const run = promisify(execFile);
const config = loadConfig();
const monitoring = new Monitoring(config);
const amtool = (...args: string[]) =>
  run('amtool', [`--alertmanager.url=${alertmanagerUrl(config)}`, ...args], { encoding: 'utf8' });
const silence = async (...args: string[]) =>
  (
    await run('bash', [join(REPO_ROOT, 'scripts/test-silence.sh'), ...args], { encoding: 'utf8' })
  ).stdout.trim();

async function stateOf(label: string, value: string): Promise<string | undefined> {
  for (let i = 0; i < 40; i++) {
    const a = (await monitoring.alertmanagerAlerts()).find((x) => x.labels[label] === value);
    if (a) return a.status.state;
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}

jest.setTimeout(60_000);

test('the silence suppresses the platform alerts only, and is gone once expired', async () => {
  const id = await silence('start');
  // The test command may already hold its own silence: ours is a second one, expired below.
  const key = `t-silence-${randomUUID()}`;
  const stack = `t-silence-${randomUUID().slice(0, 8)}`;
  const end = `--end=${new Date(Date.now() + 60_000).toISOString()}`;
  try {
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    // A platform alert as a rule would raise it (its key names no real cache key).
    await amtool('alert', 'add', 'alertname=CacheCorruption', `key=${key}`, end);
    await amtool('alert', 'add', 'alertname=ReboundDependencyDown', `stack=${stack}`, end);
    expect(await stateOf('key', key)).toBe('suppressed');
    expect(await stateOf('stack', stack)).toBe('active');
  } finally {
    // Resolve the hand-made alerts first, so nothing reaches Rebound when the silence goes.
    const now = `--end=${new Date().toISOString()}`;
    await amtool('alert', 'add', 'alertname=CacheCorruption', `key=${key}`, now);
    await amtool('alert', 'add', 'alertname=ReboundDependencyDown', `stack=${stack}`, now);
    await silence('end', id);
  }
  const mine = (await monitoring.silences()).find((s) => s.id === id);
  expect(mine?.status.state).toBe('expired');
});
