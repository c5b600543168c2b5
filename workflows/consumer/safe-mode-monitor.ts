// Watching a consumer group in safe mode: every `checkEvery` for `monitorFor`, read the health its
// instances report and the group's lag. A message failing under the safe-mode control version ends
// the watch at once; otherwise the verdict at the end is "healthy and progressing" when an
// instance runs in safe mode and the group either has no lag or committed further.
import { sleep } from '@temporalio/workflow';
import type { ConsumerControlActivities } from '../../activities/consumer/control';
import type { GroupSnapshot, KafkaGroupActivities } from '../../activities/kafka/group-admin';
import { type HealthRecord } from '../../shared/consumer-control';
import { type FailingRef, type MonitorVerdict } from '../../shared/playbooks/consumer-safe-mode-restart';

export interface MonitorOptions {
  group: string;
  topic: string;
  /** The control version that put the group in safe mode. */
  version: number;
  monitorForMs: number;
  checkEveryMs: number;
  control: Pick<ConsumerControlActivities, 'readConsumerHealth'>;
  kafka: Pick<KafkaGroupActivities, 'snapshotGroup'>;
}

/**
 * Hard bounds of the watch whatever its input: the policy file bounds what a trigger or an
 * annotation may ask (config/policy.yaml), these bound a workflow started some other way, so the
 * loop can neither spin (checkEvery 0s) nor outgrow Temporal's history (about 12 events a check).
 */
export const MIN_CHECK_EVERY_MS = 1_000;
export const MAX_CHECKS = 1_000;

export function committedTotal(s: GroupSnapshot): bigint {
  return s.partitions.reduce((sum, p) => sum + BigInt(p.committed ?? p.low), 0n);
}

/** Messages of `topic` reported failing under control version `sinceVersion` or later. */
export function failuresSince(health: HealthRecord[], topic: string, sinceVersion: number): FailingRef[] {
  const seen = new Map<string, FailingRef>();
  for (const h of health) {
    const e = h.lastError;
    if (!e || e.topic !== topic || e.controlVersion < sinceVersion) continue;
    seen.set(`${e.partition}:${e.offset}`, { partition: e.partition, offset: e.offset, error: e.error });
  }
  return [...seen.values()];
}

export async function monitorSafeMode(o: MonitorOptions): Promise<MonitorVerdict> {
  const every = Math.max(o.checkEveryMs, MIN_CHECK_EVERY_MS);
  const checks = Math.min(MAX_CHECKS, Math.max(1, Math.ceil(o.monitorForMs / every)));
  let baseline: bigint | undefined;
  let last: { health: HealthRecord[]; snapshot: GroupSnapshot } | undefined;
  let missed = 0;
  for (let i = 1; i <= checks; i++) {
    await sleep(every);
    let health: HealthRecord[];
    let snapshot: GroupSnapshot;
    try {
      [health, snapshot] = await Promise.all([
        o.control.readConsumerHealth({ group: o.group }),
        o.kafka.snapshotGroup({ group: o.group, topic: o.topic }),
      ]);
    } catch {
      // A missed reading is not a verdict on the consumer; too many are (see below).
      missed += 1;
      continue;
    }
    baseline ??= committedTotal(snapshot);
    last = { health, snapshot };
    const failures = failuresSince(health, o.topic, o.version);
    if (failures.length > 0) {
      return {
        healthy: false,
        reason: `failed again in safe mode at ${failures.map((f) => `${o.topic}:${f.partition}:${f.offset}`).join(', ')}`,
        checks: i,
        newFailures: failures,
        lagTotal: snapshot.lagTotal,
        processed: health.reduce((n, h) => n + h.processed, 0),
      };
    }
  }
  if (!last || missed > checks / 2) {
    return {
      healthy: false,
      reason: `health unreadable in ${missed} of ${checks} checks`,
      checks,
      newFailures: [],
      lagTotal: null,
      processed: null,
    };
  }
  const { health, snapshot } = last;
  const processed = health.reduce((n, h) => n + h.processed, 0);
  const running = health.some(
    (h) => h.mode === 'safe' && h.controlVersion >= o.version && h.state === 'running',
  );
  const progressing = snapshot.lagTotal === 0 || committedTotal(snapshot) > (baseline ?? 0n);
  const healthy = running && progressing;
  return {
    healthy,
    reason: healthy
      ? `running in safe mode, lag ${snapshot.lagTotal}`
      : !running
        ? 'no instance is running in safe mode'
        : `not progressing: lag ${snapshot.lagTotal} and no new commits`,
    checks,
    newFailures: [],
    lagTotal: snapshot.lagTotal,
    processed,
  };
}
