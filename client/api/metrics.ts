// Prometheus metrics of the API process. Intake and HTTP figures are counted as requests pass;
// recovery outcomes, time to recovery and pending approvals come from Temporal's visibility store
// (through the service) when Prometheus scrapes, because the recoveries finish in workers, not here.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { type IncidentSummary } from '../../shared/api/schemas';
import { type IntakeResultBody, type TriggerResultBody } from './service-port';

export interface RecoverySource {
  list(filter: { status?: 'running' | 'closed'; limit?: number }): Promise<IncidentSummary[]>;
}

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly incidents = new Counter({
    name: 'rebound_incidents_total',
    help: 'Alerts and triggers by what they did to an incident (started, attached, resolved, ignored, rejected)',
    labelNames: ['action', 'source'] as const,
    registers: [this.registry],
  });
  private readonly alerts = new Counter({
    name: 'rebound_alerts_received_total',
    help: 'Alerts received in Alertmanager notifications',
    registers: [this.registry],
  });
  private readonly truncated = new Counter({
    name: 'rebound_alerts_truncated_total',
    help: 'Alerts Alertmanager left out of its notifications (truncatedAlerts, its max_alerts)',
    registers: [this.registry],
  });
  private readonly recoveries = new Counter({
    name: 'rebound_recoveries_total',
    help: 'Incidents closed since this API started, by outcome (recovered = succeeded)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly timeToRecovery = new Histogram({
    name: 'rebound_time_to_recovery_seconds',
    help: 'From incident start to close, for incidents closed since this API started, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400],
    registers: [this.registry],
  });
  private readonly approvalsPending = new Gauge({
    name: 'rebound_approvals_pending',
    help: 'Running incidents waiting for a human decision',
    registers: [this.registry],
  });
  private readonly httpLatency = new Histogram({
    name: 'rebound_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly startedAt = Date.now();
  /** Closed incidents already counted (run ids), so repeated scrapes never count one twice. */
  private readonly counted = new Set<string>();

  /** The refresh in flight, which concurrent scrapes share. */
  private refreshing?: Promise<void>;
  private refreshedAt = -Infinity;

  /**
   * `minRefreshMs`: a scrape within this many ms of the last refresh serves the values it left
   * (default 5,000 ms, a third of Prometheus' usual 15 s interval). /metrics takes no token, and
   * each refresh lists up to 1,000 incidents from Temporal's visibility store: refreshed on every
   * request, the bad-input campaign's 10,000 scrapes kept the Temporal server at a full core.
   */
  constructor(
    private readonly source?: RecoverySource,
    private readonly minRefreshMs = 5_000,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'rebound_api_' });
  }

  recordIntake(result: IntakeResultBody, alerts: number): void {
    this.alerts.inc(alerts);
    if (result.truncatedAlerts) this.truncated.inc(result.truncatedAlerts);
    for (const i of result.incidents) this.incidents.inc({ action: i.action, source: 'alertmanager' });
  }

  recordTrigger(result: TriggerResultBody): void {
    this.incidents.inc({ action: result.action, source: 'manual' });
  }

  observeHttp(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpLatency.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  /**
   * Refreshes the visibility-derived metrics, at most once per `minRefreshMs`; concurrent callers
   * share one refresh. A failure leaves the previous values in place (and rejects).
   */
  async refresh(): Promise<void> {
    if (!this.source) return;
    if (this.refreshing) return this.refreshing;
    if (Date.now() - this.refreshedAt < this.minRefreshMs) return;
    this.refreshing = this.load(this.source).finally(() => {
      this.refreshedAt = Date.now();
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(source: RecoverySource): Promise<void> {
    const [closed, running] = await Promise.all([
      source.list({ status: 'closed', limit: 500 }),
      source.list({ status: 'running', limit: 500 }),
    ]);
    for (const incident of closed) {
      if (!incident.closedAt || this.counted.has(incident.runId)) continue;
      const closedAt = Date.parse(incident.closedAt);
      if (!(closedAt >= this.startedAt)) continue;
      this.counted.add(incident.runId);
      const outcome = incident.outcome ?? incident.executionStatus.toLowerCase();
      this.recoveries.inc({ outcome });
      this.timeToRecovery.observe(
        { outcome },
        Math.max(0, (closedAt - Date.parse(incident.startedAt)) / 1000),
      );
    }
    // Bound the memory: once far more than a page is remembered, keep only the current page.
    if (this.counted.size > 5_000) {
      const current = new Set(closed.map((i) => i.runId));
      for (const id of this.counted) if (!current.has(id)) this.counted.delete(id);
    }
    this.approvalsPending.set(running.filter((i) => i.phase === 'awaiting-approval').length);
  }

  async render(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
