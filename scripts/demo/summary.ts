// The demo's closing table (one row per scenario, times relative to the fault's injection, from
// the system that owns each one) and where to look next.
import { type ReboundConfig } from '../../shared/config';
import { type ScenarioResult } from './scenario';

const secs = (from: number, to: number | undefined) =>
  to === undefined ? '-' : `+${((to - from) / 1000).toFixed(1)}s`;

/** The table as lines of text (also what the README shows from a real run). */
export function summaryTable(results: ScenarioResult[]): string[] {
  const head = [
    'scenario',
    'playbook',
    'fault injected',
    'alert fired',
    'delivered',
    'incident opened',
    'recovered',
    'outcome',
    'approvals',
    'time to recovery',
    'alert resolved',
  ];
  const rows = results.map((r) => [
    r.name,
    r.playbook,
    new Date(r.injectedAt).toISOString().slice(11, 19),
    secs(r.injectedAt, r.firedAt),
    secs(r.injectedAt, r.deliveredAt),
    secs(r.injectedAt, r.openedAt),
    secs(r.injectedAt, r.closedAt),
    r.error && r.outcome === 'recovered' ? 'recovered, then failed a check' : (r.outcome ?? 'failed'),
    r.approvals.length ? r.approvals.join(', ') : '-',
    r.closedAt === undefined ? '-' : `${((r.closedAt - r.injectedAt) / 1000).toFixed(1)}s`,
    r.resolvedAt === undefined ? 'NO' : secs(r.injectedAt, r.resolvedAt),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

export function whereToLook(config: ReboundConfig, results: ScenarioResult[]): string[] {
  const host = config.temporal.address.split(':')[0];
  const first = results.find((r) => r.incidentId)?.incidentId;
  return [
    `Temporal web UI:  http://${host}:${config.temporal.uiPort}  (every incident and playbook run, with its history)`,
    `Prometheus:       http://127.0.0.1:${config.monitoring.prometheusPort}/alerts  (the rules and their state)`,
    `Alertmanager:     http://127.0.0.1:${config.monitoring.alertmanagerPort}  (what it delivered to Rebound)`,
    'incidents:        bin/rebound list',
    ...(first
      ? [`one incident:     bin/rebound status ${first}`, `its report:       bin/rebound report ${first}`]
      : []),
  ];
}
