// A recording fake of the service layer for route tests: every call is kept so a test can assert
// that an invalid request reached nothing, and each method's answer can be replaced per test.
import { type ApiService } from '../../../client/api/service-port';
import { TokenStore } from '../../../client/auth/token-store';
import { hashToken } from '../../../client/auth/token-hash';
import { DEV_PRINCIPALS } from '../../../client/auth/dev-tokens';

export class FakeServiceError extends Error {
  constructor(
    readonly code: 'invalid' | 'not-found' | 'conflict' | 'forbidden' | 'unavailable',
    message: string,
  ) {
    super(message);
  }
}

export type Call = { method: keyof ApiService; args: unknown[] };

export function createFakeService(overrides: Partial<ApiService> = {}): {
  service: ApiService;
  calls: Call[];
} {
  const calls: Call[] = [];
  const ok = <T>(value: T) => Promise.resolve(value);
  const base: ApiService = {
    ingestAlertmanager: (payload) =>
      ok({
        incidents: (payload.alerts as { fingerprint: string; status: string }[]).map((a) => ({
          fingerprint: a.fingerprint,
          incidentId: `alert:${a.fingerprint}`,
          action: a.status === 'resolved' ? ('resolved' as const) : ('started' as const),
        })),
      }),
    trigger: (req) => ok({ incidentId: `${req.playbook}:${req.resource}`, action: 'started' as const }),
    list: () => ok([]),
    get: (id) => Promise.reject(new FakeServiceError('not-found', `no incident ${id}`)),
    report: (id) => ok(`# Incident ${id}\n`),
    decide: () => Promise.reject(new FakeServiceError('conflict', 'nothing is pending')),
    cancel: (id: string) => ok({ incidentId: id }),
    auditDeniedDecision: () => ok(undefined),
    pause: (p, reason) => ok({ paused: true, by: p.name, reason }),
    resume: (p, reason) => ok({ paused: false, by: p.name, reason }),
    controlState: () => ok({ paused: false }),
    listSchedules: () => ok([]),
    applySchedules: () => ok({ created: [], updated: [], unchanged: [], undeclared: [] }),
    ready: () => ok({ ok: true, checks: { temporal: true } }),
  };
  const impl = { ...base, ...overrides };
  const service = Object.fromEntries(
    Object.entries(impl).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        calls.push({ method: name as keyof ApiService, args });
        return (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      },
    ]),
  ) as unknown as ApiService;
  return { service, calls };
}

/** One fixed token per dev principal, `token-<name>-…`, and the store that knows their digests. */
export const TEST_TOKENS: Record<string, string> = Object.fromEntries(
  Object.keys(DEV_PRINCIPALS).map((name) => [name, `token-${name}-0123456789abcdef`]),
);

export function testTokenStore(): TokenStore {
  return TokenStore.fromDocument(
    {
      version: 1,
      principals: Object.entries(DEV_PRINCIPALS).map(([name, roles]) => ({
        name,
        tokenSha256: hashToken(TEST_TOKENS[name]),
        roles,
      })),
    },
    'test',
  );
}

export function bearer(name: string): Record<string, string> {
  return { authorization: `Bearer ${TEST_TOKENS[name]}` };
}

export function webhook(
  alerts: { fingerprint: string; status?: 'firing' | 'resolved'; labels?: Record<string, string> }[],
): Record<string, unknown> {
  return {
    version: '4',
    groupKey: '{}:{alertname="KafkaConsumerCrashLoop"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'rebound',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.local',
    notification_reason: 'new_alerts',
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: { alertname: 'KafkaConsumerCrashLoop', group: 'g', topic: 't', ...a.labels },
      annotations: { summary: 'crash loop' },
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.local/graph',
      fingerprint: a.fingerprint,
    })),
  };
}
