// Renders the incident report in markdown, following seed 004's incident template: summary,
// impact, timeline, root cause as known, resolution, follow-ups. Built from the live status of
// the incident and its playbook run and from the audit trail, so it is accurate while running too.
import { formatLabels } from '../cli/format-origin';
import { type IncidentView } from '../../shared/api/schemas';

export interface AuditRow {
  workflow_id: string;
  entry_key: string;
  kind: string;
  actor: string;
  detail: Record<string, unknown>;
  at: Date;
}

const FOLLOW_UPS: Record<string, string> = {
  recovered:
    'Confirm the alert stays resolved; review why the fault happened and whether it can be prevented.',
  compensated: 'The recovery was rolled back: investigate the failed step before retrying.',
  escalated: 'A human must take over: see the timeline for the step that needed one.',
  failed: 'The recovery failed: investigate the last error and decide on a manual fix.',
  cancelled: 'Cancelled by an operator: make sure the fault is handled elsewhere.',
  'resolved-before-action':
    'The alert resolved on its own: check whether the alert threshold is too sensitive.',
};

function cell(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderIncidentReport(view: IncidentView, audit: AuditRow[]): string {
  const inc = view.incident;
  const pb = view.playbook;
  const result = inc.result ?? pb?.result;
  const c = view.classification;
  const lines: string[] = [];
  lines.push(`# Incident report: ${view.incidentId}`, '');
  // One report per episode: a recurring fault's earlier episodes have their own reports.
  if (view.episodeId) lines.push(`Episode ${view.episode ?? '?'}: \`${view.episodeId}\``, '');
  lines.push('## Summary', '');
  lines.push(
    `- **Status:** ${view.running ? `open (${inc.phase})` : `closed: ${result?.outcome ?? view.executionStatus}`}`,
  );
  if (c)
    lines.push(
      `- **Severity:** ${c.severity} · **Category:** ${c.category} · **Recoverability:** ${c.recoverability}`,
    );
  lines.push(`- **Playbook:** ${view.route?.playbook ?? 'none'} (rule ${view.route?.rule ?? 'none'})`);
  lines.push(`- **Resource:** ${inc.resource}`);
  lines.push(`- **Started:** ${inc.startedAt} by ${inc.initiator}`);
  if (result) lines.push(`- **Result:** ${result.summary}`);
  if (inc.dryRun) lines.push('- **Dry run:** nothing was changed');
  lines.push('', '## Impact', '');
  if (view.alerts.length === 0) lines.push('Triggered by hand; no alert attached.');
  for (const a of view.alerts) {
    const what = a.annotations.summary ?? a.annotations.description ?? '';
    lines.push(
      `- Alert **${a.alertname}** (${a.fingerprint}) firing since ${a.startsAt}${what ? `: ${what}` : ''}`,
    );
    lines.push(`  - labels: \`{${formatLabels(a.labels)}}\``);
    if (a.groupKey) lines.push(`  - Alertmanager group \`${a.groupKey}\` at ${a.externalURL ?? '?'}`);
    if (a.generatorURL) lines.push(`  - Prometheus: ${a.generatorURL}`);
  }
  if (view.repeats > 0) lines.push(`- Repeated deliveries attached to this incident: ${view.repeats}`);
  if (view.staleNotices)
    lines.push(`- Stale notifications ignored (older than what was known): ${view.staleNotices}`);
  if (view.truncatedAlerts) {
    lines.push(`- Alertmanager truncated the notification: ${view.truncatedAlerts} alerts were left out`);
  }
  if (view.route?.resourceFull) lines.push(`- Full resource (shortened in ids): ${view.route.resourceFull}`);
  lines.push(
    '',
    '## Timeline',
    '',
    '| time | workflow | event | actor | detail |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const e of audit) {
    const ledger = view.episodeId ?? view.incidentId;
    const where = e.workflow_id === ledger ? 'incident' : e.workflow_id.slice(ledger.length + 1);
    const detail = e.detail.summary ?? e.detail.reason ?? e.detail.message ?? e.detail.error ?? '';
    lines.push(
      `| ${e.at.toISOString()} | ${cell(where)} | ${cell(e.kind)} | ${cell(e.actor)} | ${cell(detail)} |`,
    );
  }
  lines.push('', '## Root cause (as known)', '');
  if (view.route?.reason) lines.push(`Not diagnosed automatically: ${view.route.reason}.`);
  else {
    const failed = [...inc.steps, ...(pb?.steps ?? [])].filter((s) => s.lastError);
    lines.push(
      `Classified as a ${c?.category ?? 'unknown'} fault on ${inc.resource}` +
        (view.alerts[0] ? `, detected by ${view.alerts[0].alertname}.` : '.'),
    );
    for (const s of failed) lines.push(`- Step ${s.name}: ${s.lastError}`);
  }
  lines.push('', '## Resolution', '');
  const steps = pb?.steps ?? [];
  if (steps.length === 0) lines.push('No recovery step ran.');
  for (const s of steps) {
    lines.push(`- ${s.name}: ${s.state} after ${s.attempts} attempt(s)${s.summary ? `, ${s.summary}` : ''}`);
  }
  for (const comp of [...inc.compensations, ...(pb?.compensations ?? [])]) {
    lines.push(`- compensation ${comp.name}: ${comp.state}${comp.error ? ` (${comp.error})` : ''}`);
  }
  for (const d of [...inc.decisions, ...(pb?.decisions ?? [])]) {
    const who = d.votes.map((v) => `${v.principal} ${v.decision}d`).join(', ') || 'nobody';
    lines.push(`- approval ${d.step}: ${d.outcome} (${who}) at ${d.at}`);
  }
  for (const p of inc.plan ?? pb?.plan ?? []) lines.push(`- planned: ${p.step}: ${p.action}`);
  lines.push('', '## Follow-ups', '');
  const pending = inc.pendingApproval ?? pb?.pendingApproval;
  if (pending) lines.push(`- Decide "${pending.question}" before ${pending.deadline}.`);
  lines.push(
    `- ${result ? (FOLLOW_UPS[result.outcome] ?? '') : 'The incident is still open: follow it with `rebound status`.'}`,
  );
  return `${lines.join('\n')}\n`;
}
