// Human-readable renderings of the API's answers (the --json output is the API body unchanged).
import { formatAlertOrigins } from './format-origin';
import {
  type ControlState,
  type IncidentSummary,
  type IncidentView,
  type ScheduleApplyResult,
  type ScheduleView,
} from '../../shared/api/schemas';
import { type PlaybookStatus } from '../../shared/workflow-interface';

function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatList(incidents: IncidentSummary[]): string {
  if (incidents.length === 0) return 'no incidents';
  return table([
    ['INCIDENT', 'STATUS', 'PHASE', 'OUTCOME', 'PLAYBOOK', 'RESOURCE', 'STARTED'],
    ...incidents.map((i) => [
      i.incidentId,
      i.status,
      i.phase ?? '-',
      i.outcome ?? '-',
      i.playbook ?? '-',
      i.resource ?? '-',
      i.startedAt,
    ]),
  ]);
}

function formatWorkflow(title: string, s: PlaybookStatus): string[] {
  const lines = [
    `${title}: ${s.workflowId}`,
    `  phase: ${s.phase}${s.paused ? ' (paused)' : ''}${s.dryRun ? ' (dry run)' : ''}`,
  ];
  if (s.currentStep) lines.push(`  current step: ${s.currentStep}`);
  if (s.alertResolved) lines.push('  alert resolved: destructive steps not yet started are skipped');
  if (s.steps.length) {
    lines.push('  steps:');
    for (const st of s.steps) {
      const took = st.finishedAt
        ? ` ${((Date.parse(st.finishedAt) - Date.parse(st.startedAt)) / 1000).toFixed(1)}s`
        : '';
      lines.push(
        `    ${st.state.padEnd(9)} ${st.name}${st.destructive ? ' [destructive]' : ''} attempts=${st.attempts}${took}` +
          (st.lastError ? `\n              last error: ${st.lastError}` : '') +
          (st.summary ? `\n              ${st.summary}` : ''),
      );
    }
  }
  const p = s.pendingApproval;
  if (p) {
    const who = [...p.allowedPrincipals, ...p.allowedRoles.map((r) => `role:${r}`)].join(', ');
    lines.push(
      `  pending approval ${p.id} (${p.step}): ${p.question}`,
      `    who may decide: ${who}; quorum ${p.votes.filter((v) => v.decision === 'approve').length}/${p.quorum}; until ${p.deadline}, then ${p.onTimeout}`,
    );
    if (p.choices.length) lines.push(`    choices: ${p.choices.join(', ')}`);
  }
  for (const d of s.decisions)
    lines.push(
      `  decision ${d.approvalId}: ${d.outcome}${d.choice ? ` (${d.choice})` : ''} by ${d.votes.map((v) => v.principal).join(', ') || '-'} at ${d.at}`,
    );
  for (const c of s.compensations)
    lines.push(`  compensation ${c.name}: ${c.state} at ${c.at}${c.error ? ` (${c.error})` : ''}`);
  if (s.plan?.length) {
    lines.push('  plan (dry run, nothing changed):');
    for (const a of s.plan) lines.push(`    ${a.step}: ${a.action}${a.destructive ? ' [destructive]' : ''}`);
  }
  if (s.result) lines.push(`  result: ${s.result.outcome} — ${s.result.summary}`);
  return lines;
}

export function formatIncident(v: IncidentView): string {
  const lines = [`incident ${v.incidentId} (${v.running ? 'running' : 'closed'}, ${v.executionStatus})`];
  if (v.classification)
    lines.push(
      `  classification: ${v.classification.severity} ${v.classification.category} (${v.classification.recoverability})`,
    );
  if (v.route)
    lines.push(
      `  route: ${v.route.playbook ?? '-'}${v.route.rule ? ` via ${v.route.rule}` : ''}${v.route.reason ? ` (${v.route.reason})` : ''}`,
    );
  lines.push(
    `  alerts: ${v.alerts.length}, repeats: ${v.repeats}, runs: ${v.runs.map((r) => `${r.workflowId}${r.outcome ? `=${r.outcome}` : ''}`).join(', ') || '-'}`,
  );
  lines.push(...formatAlertOrigins(v.alerts));
  lines.push(...formatWorkflow('incident workflow', v.incident));
  if (v.playbook) lines.push(...formatWorkflow('playbook', v.playbook));
  return lines.join('\n');
}

export function incidentOutcome(v: IncidentView): string | undefined {
  return v.incident.result?.outcome ?? v.playbook?.result?.outcome;
}

export function formatControl(c: ControlState): string {
  const state = c.paused ? `PAUSED${c.reason ? `: ${c.reason}` : ''}` : 'running (kill switch released)';
  const by = c.by ? ` by ${c.by}${c.since ? ` since ${c.since}` : ''}` : '';
  const reached = c.signalled !== undefined ? `; signalled ${c.signalled} running workflow(s)` : '';
  return `${state}${by}${reached}`;
}

export function formatSchedules(s: ScheduleView[]): string {
  if (s.length === 0) return 'no schedules declared';
  return table([
    ['SCHEDULE', 'DECLARED', 'IN TEMPORAL', 'WHEN', 'PLAYBOOK', 'RESOURCE', 'PAUSED', 'NEXT RUN'],
    ...s.map((x) => [
      x.id,
      x.declared ? 'yes' : 'no',
      x.exists ? 'yes' : 'no',
      x.cron?.join(' | ') ?? (x.every ? `every ${x.every}` : '-'),
      x.playbook ?? '-',
      x.resource ?? '-',
      x.paused === undefined ? '-' : x.paused ? 'yes' : 'no',
      x.nextRuns[0] ?? '-',
    ]),
  ]);
}

export function formatApply(r: ScheduleApplyResult): string {
  const part = (label: string, ids: string[]) => `${label}: ${ids.length ? ids.join(', ') : 'none'}`;
  return [
    part('created', r.created),
    part('updated', r.updated),
    part('unchanged', r.unchanged),
    part('undeclared (left alone)', r.undeclared),
  ].join('\n');
}
