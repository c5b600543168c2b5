// Shared by the lifecycle tests on the real stack (issue 10): a routing file with a needs-human
// route (an unimplemented playbook: the incident stays open until its alerts resolve), a
// health-probe route that recovers on its own, one that always needs approval (security), and
// Alertmanager v4 notifications with explicit startsAt/endsAt per alert.
import { type ApiHarness, pollUntil } from './api-harness';

export const LIFECYCLE_ROUTING = `
guardrails:
  budget: { max: 50, window: 10m }
  needsHumanTimeout: 1h
  cooldown: 30m
  recurrence: { episodes: 3, window: 1h }
routes:
  - name: lifecycle-needs-human
    match: { alertname: LifecycleNeedsHuman }
    playbook: entitlement-resync
    resource: 'namespace:{{labels.namespace}}'
    params: { namespace: '{{labels.namespace}}' }
    classification: { severity: ERROR, category: data, recoverability: automatic }
  - name: lifecycle-probe
    match: { alertname: LifecycleProbe }
    playbook: health-probe
    resource: 'stack:{{labels.instance}}'
    classification: { severity: WARNING, category: transient, recoverability: automatic }
  - name: lifecycle-secure-probe
    match: { alertname: LifecycleSecureProbe }
    playbook: health-probe
    resource: 'stack:{{labels.instance}}'
    classification: { severity: WARNING, category: security, recoverability: approval }
`;

export interface TestAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  annotations?: Record<string, string>;
}

export const T0 = Date.parse('2026-05-01T10:00:00Z');
/** `startsAt` of generation g: minutes after T0. */
export const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

export function firing(fingerprint: string, labels: Record<string, string>, startsAt: string): TestAlert {
  return { fingerprint, status: 'firing', labels, startsAt, endsAt: '0001-01-01T00:00:00Z' };
}

export function resolved(
  fingerprint: string,
  labels: Record<string, string>,
  startsAt: string,
  endsAt: string,
): TestAlert {
  return { fingerprint, status: 'resolved', labels, startsAt, endsAt };
}

export function notification(
  alerts: unknown[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    version: '4',
    groupKey: '{}:{alertname="lifecycle"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'rebound',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.test',
    alerts: alerts.map((a) => ({
      annotations: { summary: 'lifecycle test' },
      generatorURL: 'http://prometheus.test/graph',
      ...(a as object),
    })),
    ...extra,
  };
}

export async function post(h: ApiHarness, alerts: unknown[], extra: Record<string, unknown> = {}) {
  return h.call('alertmanager', 'POST', '/v1/alerts/alertmanager', notification(alerts, extra));
}

export const path = (id: string, suffix = '') => `/v1/incidents/${encodeURIComponent(id)}${suffix}`;

/** GET of an id until `pred` holds on the view. */
export function viewUntil(
  h: ApiHarness,
  id: string,
  what: string,
  pred: (view: any) => boolean, // eslint-disable-line @typescript-eslint/no-explicit-any
  timeoutMs = 60_000,
) {
  return pollUntil(
    what,
    async () => {
      const res = await h.call('operator', 'GET', path(id));
      return res.status === 200 && pred(res.body) ? res.body : undefined;
    },
    timeoutMs,
  );
}
