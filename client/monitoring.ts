// Read-only clients of the stack's Prometheus (HTTP API v1) and Alertmanager (API v2), used by the
// demo to time each scenario (when the alert went pending/firing, when Alertmanager delivered and
// when it resolved) and by the tests. Addresses from the one config module.
import { type ReboundConfig } from '../shared/config';

/** A Prometheus alert as GET /api/v1/alerts lists it (pending or firing, never resolved). */
export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  /** When the rule's condition became true (ISO time); firing follows after its `for:`. */
  activeAt: string;
  value: string;
}

/** An alert as Alertmanager's GET /api/v2/alerts lists it. */
export interface AlertmanagerAlertState {
  labels: Record<string, string>;
  fingerprint: string;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[]; inhibitedBy: string[] };
  generatorURL?: string;
}

export interface Silence {
  id: string;
  matchers: { name: string; value: string; isRegex: boolean; isEqual?: boolean }[];
  createdBy: string;
  comment: string;
  startsAt: string;
  endsAt: string;
  status: { state: 'active' | 'pending' | 'expired' };
}

export function prometheusUrl(config: ReboundConfig): string {
  return `http://127.0.0.1:${config.monitoring.prometheusPort}`;
}

export function alertmanagerUrl(config: ReboundConfig): string {
  return `http://127.0.0.1:${config.monitoring.alertmanagerPort}`;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** True when every label of `want` is on `labels` with the same value. */
export function labelsMatch(labels: Record<string, string>, want: Record<string, string>): boolean {
  return Object.entries(want).every(([k, v]) => labels[k] === v);
}

export class Monitoring {
  constructor(private readonly config: ReboundConfig) {}

  /** Prometheus's pending and firing alerts. */
  async prometheusAlerts(): Promise<PrometheusAlert[]> {
    const body = await getJson<{ data: { alerts: PrometheusAlert[] } }>(
      `${prometheusUrl(this.config)}/api/v1/alerts`,
    );
    return body.data.alerts;
  }

  /** Alertmanager's alerts (active, silenced and inhibited; resolved ones are not listed). */
  async alertmanagerAlerts(): Promise<AlertmanagerAlertState[]> {
    return getJson<AlertmanagerAlertState[]>(`${alertmanagerUrl(this.config)}/api/v2/alerts`);
  }

  /** An instant query; the samples' label sets and values. */
  async query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]> {
    const body = await getJson<{
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    }>(`${prometheusUrl(this.config)}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** The alerting rules Prometheus loaded, by name. */
  async alertRules(): Promise<string[]> {
    const body = await getJson<{ data: { groups: { rules: { type: string; name: string }[] }[] } }>(
      `${prometheusUrl(this.config)}/api/v1/rules?type=alert`,
    );
    return body.data.groups.flatMap((g) => g.rules.map((r) => r.name));
  }

  /** The `for:` of an alerting rule, in seconds (undefined when no rule has that name). */
  async ruleForSeconds(alertname: string): Promise<number | undefined> {
    const body = await getJson<{ data: { groups: { rules: { name: string; duration: number }[] }[] } }>(
      `${prometheusUrl(this.config)}/api/v1/rules?type=alert`,
    );
    return body.data.groups.flatMap((g) => g.rules).find((r) => r.name === alertname)?.duration;
  }

  /** Scrape targets and whether each answered its last scrape. */
  async targets(): Promise<{ job: string; health: string; lastError: string }[]> {
    const body = await getJson<{
      data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] };
    }>(`${prometheusUrl(this.config)}/api/v1/targets`);
    return body.data.activeTargets.map((t) => ({
      job: t.labels.job,
      health: t.health,
      lastError: t.lastError,
    }));
  }

  async silences(): Promise<Silence[]> {
    return getJson<Silence[]>(`${alertmanagerUrl(this.config)}/api/v2/silences`);
  }

  /** Expires a silence (DELETE /api/v2/silence/{id}). */
  async expireSilence(id: string): Promise<void> {
    const res = await fetch(`${alertmanagerUrl(this.config)}/api/v2/silence/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) throw new Error(`expiring silence ${id}: HTTP ${res.status} ${await res.text()}`);
  }
}
