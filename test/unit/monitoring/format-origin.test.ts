// `rebound status` and the report show where an alert-driven incident came from (issue 13).
import { formatIncident } from '../../../client/cli/format';
import { formatAlertOrigins } from '../../../client/cli/format-origin';
import { type IncidentAlert } from '../../../shared/api/schemas';

const alert: IncidentAlert = {
  fingerprint: 'a1b2c3d4e5f60718',
  alertname: 'CacheCorruption',
  status: 'firing',
  labels: { key: 'platform:org:1:entitlements', alertname: 'CacheCorruption', severity: 'error' },
  annotations: {},
  startsAt: '2026-01-01T00:00:00Z',
  receivedAt: '2026-01-01T00:00:01Z',
  generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=x',
  groupKey: '{}:{alertname="CacheCorruption"}',
  externalURL: 'http://127.0.0.1:9093',
};

test('each alert shows its labels (sorted, quoted), fingerprint, group key, Alertmanager and Prometheus links', () => {
  expect(formatAlertOrigins([alert])).toEqual([
    '  alert CacheCorruption firing since 2026-01-01T00:00:00Z (fingerprint a1b2c3d4e5f60718)',
    '    labels: {alertname="CacheCorruption", key="platform:org:1:entitlements", severity="error"}',
    '    Alertmanager group: {}:{alertname="CacheCorruption"}',
    '    Alertmanager: http://127.0.0.1:9093',
    '    Prometheus: http://127.0.0.1:9090/graph?g0.expr=x',
  ]);
});

test('an alert posted without origin fields shows only what it has; a manual incident shows none', () => {
  const bare = { ...alert, generatorURL: undefined, groupKey: undefined, externalURL: undefined };
  expect(formatAlertOrigins([bare])).toHaveLength(2);
  expect(formatAlertOrigins([])).toEqual([]);
  const status = {
    phase: 'closed',
    steps: [],
    decisions: [],
    compensations: [],
    startedAt: '',
    updatedAt: '',
  } as unknown as Parameters<typeof formatIncident>[0]['incident'];
  const text = formatIncident({
    incidentId: 'i',
    running: false,
    executionStatus: 'COMPLETED',
    alerts: [alert],
    repeats: 0,
    runs: [],
    incident: status,
  });
  expect(text).toContain('Alertmanager group: {}:{alertname="CacheCorruption"}');
});
