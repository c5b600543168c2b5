// The exporter's judgements, without servers: which consumer instances count as halted, which
// cache values are malformed (corruption) versus well-formed but different (staleness), how
// divergent keys are counted, and that a collector that throws or hangs publishes nothing and says
// so instead of serving old values.
import { isStale, isWellFormed } from '../../../platform/exporter/caches';
import { healthSamples } from '../../../platform/exporter/consumers';
import { divergentKeys } from '../../../platform/exporter/regions';
import { COLLECTOR_CPU_SHARE, ExporterRegistry, nextRunDelayMs } from '../../../platform/exporter/registry';
import { sample, type Collector } from '../../../platform/exporter/samples';
import { type HealthRecord } from '../../../shared/consumer-control';
import { createLogger } from '../../../shared/logger';

function health(over: Partial<HealthRecord>): HealthRecord {
  return {
    instanceId: 'i',
    group: 'g',
    pid: 1,
    state: 'running',
    mode: 'normal',
    controlVersion: 1,
    memberId: null,
    processed: 0,
    skipped: 0,
    duplicates: 0,
    committed: {},
    lastError: null,
    lastCrash: null,
    stateSince: '',
    crashes: 0,
    clientCrashes: 0,
    lastJoinMs: null,
    heartbeatAt: '',
    ...over,
  };
}

const failed = {
  topic: 't1',
  partition: 0,
  offset: '5',
  key: null,
  error: 'bad json',
  attempts: 3,
  controlVersion: 1,
  at: '',
};

test('an instance is halted only while crashed on a message; an old lastError on a running one is not', () => {
  const s = healthSamples('g', [
    health({ state: 'crashed', lastError: failed }),
    health({ state: 'running', lastError: failed }),
    health({ state: 'crashed', lastError: null, lastCrash: null }),
  ]);
  expect(s.filter((x) => x.metric === 'platform_consumer_halted_instances')).toEqual([
    sample('platform_consumer_halted_instances', { group: 'g', topic: 't1' }, 1),
  ]);
  expect(s).toContainEqual(
    sample('platform_consumer_instances', { group: 'g', state: 'crashed', mode: 'normal' }, 2),
  );
});

test('corruption is a value no writer produces; staleness is a well-formed value that differs', () => {
  const ent = 'platform:org:x:entitlements';
  expect(isWellFormed(ent, { seats: '10', workflows: '-1' })).toBe(true);
  expect(isWellFormed(ent, { seats: 'garbage' })).toBe(false);
  expect(isWellFormed(ent, { seats: '1.5' })).toBe(false);
  expect(isWellFormed('platform:org:x:memberships', { u: 'owner' })).toBe(true);
  expect(isWellFormed('platform:org:x:memberships', { u: 'root' })).toBe(false);
  expect(isStale({ seats: '10' }, { seats: 10 })).toBe(false);
  expect(isStale({ seats: '10' }, { seats: 20 })).toBe(true);
  expect(isStale({ seats: '10' }, { seats: 10, workflows: 3 })).toBe(true);
  expect(isStale({ seats: '10', extra: '1' }, { seats: 10 })).toBe(true);
});

test('divergent keys count differing, missing and extra rows once each', () => {
  const a = new Map([
    ['1', 'x'],
    ['2', 'y'],
    ['3', 'z'],
  ]);
  const b = new Map([
    ['1', 'x'],
    ['2', 'CHANGED'],
    ['4', 'w'],
  ]);
  expect(divergentKeys(a, b)).toBe(3);
  expect(divergentKeys(a, new Map(a))).toBe(0);
});

test('a failing or hanging collector publishes no samples and collector_up 0; a good one is served', async () => {
  const good: Collector = {
    name: 'good',
    intervalMs: 1_000,
    collect: () => Promise.resolve([sample('platform_kafka_up', {}, 1)]),
  };
  const bad: Collector = {
    name: 'bad',
    intervalMs: 1_000,
    collect: () => Promise.reject(new Error('unreachable')),
  };
  const hangs: Collector = { name: 'hangs', intervalMs: 1_000, collect: () => new Promise(() => undefined) };
  let outboxUp = true;
  const flaky: Collector = {
    name: 'flaky',
    intervalMs: 1_000,
    collect: () =>
      outboxUp
        ? Promise.resolve([sample('platform_outbox_backlog_rows', { outbox: 'platform' }, 7)])
        : Promise.reject(new Error('database down')),
  };
  const reg = new ExporterRegistry([good, bad, hangs, flaky], createLogger('test', { level: 'error' }), 50);
  for (const c of [good, bad, hangs, flaky]) await reg.runOnce(c);
  let text = await reg.registry.metrics();
  expect(text).toContain('platform_kafka_up 1');
  expect(text).toContain('platform_outbox_backlog_rows{outbox="platform"} 7');
  expect(text).toContain('platform_exporter_collector_up{collector="good"} 1');
  expect(text).toContain('platform_exporter_collector_up{collector="bad"} 0');
  expect(text).toContain('platform_exporter_collector_up{collector="hangs"} 0');
  // The source goes away: its last values are dropped, not served as if current.
  outboxUp = false;
  await reg.runOnce(flaky);
  text = await reg.registry.metrics();
  expect(text).not.toContain('platform_outbox_backlog_rows{');
  expect(text).toContain('platform_exporter_collector_up{collector="flaky"} 0');
});

test('a slow collector waits longer between runs, keeping it to its share of the time; a fast one keeps its interval', () => {
  expect(nextRunDelayMs(2_000, 30)).toBe(2_000);
  // A 2 s digest of two large region tables: the next run comes 18 s after it ended, not 2 s.
  expect(nextRunDelayMs(2_000, 2_000)).toBe(18_000);
  for (const run of [0, 1, 150, 222, 223, 5_000, 60_000]) {
    const delay = nextRunDelayMs(2_000, run);
    expect(delay).toBeGreaterThanOrEqual(2_000);
    expect(run / (run + delay)).toBeLessThanOrEqual(COLLECTOR_CPU_SHARE + 1e-9);
  }
});
