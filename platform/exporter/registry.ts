// Runs the collectors on their timers and serves their latest snapshots as Prometheus metrics
// (prom-client's text format). A collector that throws or times out publishes nothing until it
// succeeds again, and `platform_exporter_collector_up{collector}` says so.
import { Gauge, Registry } from 'prom-client';
import { type Logger } from '../../shared/logger';
import { METRIC_HELP, type Collector, type MetricName, type Sample } from './samples';

interface Snapshot {
  ok: boolean;
  samples: Sample[];
  seconds: number;
}

export class ExporterRegistry {
  readonly registry = new Registry();
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly collectors: Collector[],
    private readonly logger: Logger,
    /** A collector run that takes longer than this (ms) counts as failed. */
    private readonly timeoutMs = 10_000,
  ) {
    const current = (name: MetricName) => this.current(name);
    for (const name of Object.keys(METRIC_HELP) as MetricName[]) {
      new Gauge({
        name,
        help: METRIC_HELP[name],
        labelNames: labelNamesOf(name),
        registers: [this.registry],
        collect() {
          this.reset();
          for (const s of current(name)) this.set(s.labels, s.value);
        },
      });
    }
  }

  /** Samples of one metric from every collector's latest successful run, plus the collectors' own. */
  private current(name: MetricName): Sample[] {
    if (
      name === 'platform_exporter_collector_up' ||
      name === 'platform_exporter_collector_duration_seconds'
    ) {
      return [...this.snapshots].map(([collector, s]) => ({
        metric: name,
        labels: { collector },
        value: name === 'platform_exporter_collector_up' ? (s.ok ? 1 : 0) : s.seconds,
      }));
    }
    return [...this.snapshots.values()].flatMap((s) =>
      s.ok ? s.samples.filter((x) => x.metric === name) : [],
    );
  }

  /** Runs one collector once (with the timeout) and stores its snapshot. */
  async runOnce(c: Collector): Promise<void> {
    const start = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const samples = await Promise.race([
        c.collect(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      const was = this.snapshots.get(c.name);
      if (was && !was.ok) this.logger.info({ collector: c.name }, 'collector measures again');
      this.snapshots.set(c.name, { ok: true, samples, seconds: (Date.now() - start) / 1000 });
    } catch (err) {
      const was = this.snapshots.get(c.name);
      if (!was || was.ok) this.logger.warn({ collector: c.name, err: String(err) }, 'collector failed');
      this.snapshots.set(c.name, { ok: false, samples: [], seconds: (Date.now() - start) / 1000 });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Starts every collector: one run now, then the next after the previous ended, `intervalMs`
   * later or, for a collector whose run is slow, late enough that it stays within
   * COLLECTOR_CPU_SHARE of the time (see nextRunDelayMs).
   */
  start(): void {
    for (const c of this.collectors) {
      const loop = async () => {
        const started = Date.now();
        await this.runOnce(c);
        const delay = nextRunDelayMs(c.intervalMs, Date.now() - started);
        if (!this.stopped) this.timers.push(setTimeout(() => void loop(), delay));
      };
      void loop();
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
  }
}

/**
 * Share of wall time one collector may spend measuring. The exporter shares the machine with what
 * it watches: a digest of two 1,000,000-row region tables every 2 s took most of a core from
 * PostgreSQL, and every benchmark run beside it measured that load too.
 */
export const COLLECTOR_CPU_SHARE = 0.1;

/**
 * Milliseconds to wait before a collector's next run: its `intervalMs`, or longer when its last run
 * took `lastRunMs` (ms), so that runs take at most COLLECTOR_CPU_SHARE of the time. A dataset that
 * grows large is then measured less often instead of keeping its databases busy.
 */
export function nextRunDelayMs(intervalMs: number, lastRunMs: number): number {
  const bound = (lastRunMs * (1 - COLLECTOR_CPU_SHARE)) / COLLECTOR_CPU_SHARE;
  return Math.max(intervalMs, Math.ceil(bound));
}

/** The label names each metric is published with. */
export function labelNamesOf(name: MetricName): string[] {
  switch (name) {
    case 'platform_consumer_instances':
      return ['group', 'state', 'mode'];
    case 'platform_consumer_halted_instances':
    case 'platform_consumer_lag_messages':
      return ['group', 'topic'];
    case 'platform_outbox_backlog_rows':
    case 'platform_outbox_oldest_unpublished_age_seconds':
      return ['outbox'];
    case 'platform_entitlement_cache_sampled_orgs':
    case 'platform_entitlement_cache_stale_orgs':
      return ['namespace'];
    case 'platform_cache_corrupt_key':
      return ['key'];
    case 'platform_region_up':
    case 'platform_region_rows':
      return ['dataset', 'region'];
    case 'platform_regions_diverged':
    case 'platform_regions_divergent_keys':
      return ['dataset'];
    case 'platform_org_orphaned_rows':
    case 'platform_org_deletion_request_age_seconds':
      return ['org'];
    case 'platform_exporter_collector_up':
    case 'platform_exporter_collector_duration_seconds':
      return ['collector'];
    case 'platform_kafka_up':
    case 'platform_cache_corrupt_keys':
      return [];
  }
}
