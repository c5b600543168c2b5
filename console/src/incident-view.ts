// The incident page (issue 15, item 2): the summary, the alerts behind it with links back to
// Prometheus and Alertmanager, the timeline, the gate waiting for a decision, the dry-run plan,
// the audit trail, and the incident report rendered and downloadable as markdown.
import { ApiError, incidentPath, type Api } from './api.js';
import {
  type AuditTrail,
  type IncidentAlert,
  type IncidentView,
  type PlannedAction,
  type Session,
} from './api-types.js';
import { definitions, h, replace, Section, type Child } from './dom.js';
import { elapsedMs, formatDuration, formatTime } from './format.js';
import { parseMarkdown } from './markdown.js';
import { renderMarkdown } from './markdown-view.js';
import { buildTimeline } from './timeline.js';
import { renderTimeline } from './timeline-view.js';

/** A PromQL/Alertmanager matcher value, quoted. */
const quoted = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function alertLinks(
  a: IncidentAlert,
  links: Session['links'],
): { prometheus: string; alertmanager: string } {
  const expr = `ALERTS{alertname=${quoted(a.alertname)}}`;
  const matchers = Object.entries(a.labels)
    .map(([k, v]) => `${k}=${quoted(v)}`)
    .join(',');
  return {
    prometheus: `${links.prometheus}/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=0`,
    alertmanager: `${links.alertmanager}/#/alerts?filter=${encodeURIComponent(`{${matchers}}`)}`,
  };
}

export function planList(plan: PlannedAction[]): HTMLElement {
  return h(
    'ol',
    { class: 'plan' },
    ...plan.map((a) =>
      h(
        'li',
        {},
        h('code', {}, a.step),
        ': ',
        a.action,
        a.destructive ? h('span', { class: 'badge destructive' }, 'destructive') : null,
        a.details ? h('span', { class: 'muted' }, ` ${JSON.stringify(a.details)}`) : null,
      ),
    ),
  );
}

export class IncidentPage {
  private readonly sections: Record<
    'summary' | 'alerts' | 'timeline' | 'gate' | 'plan' | 'audit' | 'report',
    Section
  >;
  private report = '';
  private readonly title = h('h2', {});

  constructor(
    root: HTMLElement,
    private readonly api: Api,
    private readonly session: Session,
    private readonly id: string,
  ) {
    const section = (key: string, heading: string, extra?: Child) => {
      const body = h('div', { class: 'section-body' });
      return {
        el: h(
          'section',
          { 'aria-labelledby': `h-${key}`, id: `sec-${key}` },
          h('h3', { id: `h-${key}` }, heading, extra),
          body,
        ),
        body: new Section(body),
      };
    };
    const download = h(
      'button',
      { type: 'button', class: 'inline', id: 'download-report' },
      'Download markdown',
    );
    download.addEventListener('click', () => this.download());
    const parts = {
      summary: section('summary', 'Summary'),
      alerts: section('alerts', 'Alerts'),
      timeline: section('timeline', 'Timeline'),
      gate: section('gate', 'Waiting for a decision'),
      plan: section('plan', 'Plan'),
      audit: section('audit', 'Audit trail'),
      report: section('report', 'Incident report', download),
    };
    this.sections = Object.fromEntries(
      Object.entries(parts).map(([k, v]) => [k, v.body]),
    ) as typeof this.sections;
    replace(
      root,
      h('p', {}, h('a', { href: '#/incidents' }, '← Incidents')),
      this.title,
      ...Object.values(parts).map((p) => p.el),
    );
    this.title.textContent = id;
  }

  async refresh(): Promise<void> {
    let view: IncidentView;
    try {
      view = await this.api.get<IncidentView>(incidentPath(this.id));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        this.sections.summary.update('404', () => [h('p', { class: 'error' }, `No incident ${this.id}.`)]);
        return;
      }
      throw err;
    }
    const [audit, report] = await Promise.all([
      this.api.get<AuditTrail>(incidentPath(this.id, '/audit')),
      this.api.text(incidentPath(this.id, '/report')),
    ]);
    const now = Date.now();
    this.report = report;
    this.title.textContent = `${view.incidentId}${view.episode ? ` · episode ${view.episode}` : ''}`;
    this.sections.summary.update(
      [
        view.running,
        view.incident.phase,
        view.playbook?.phase,
        view.playbook?.currentStep,
        view.incident.result,
        view.playbook?.result,
        view.running ? Math.floor(now / 1000) : 0,
      ],
      () => [this.summary(view, now)],
    );
    this.sections.alerts.update(view.alerts, () => [this.alerts(view)]);
    // An open bar grows with the clock: redraw each poll while running, then never again.
    this.sections.timeline.update(
      [view.incident, view.playbook, audit.entries.length, view.running ? now : 0],
      () => [renderTimeline(buildTimeline(view, audit.entries, now))],
    );
    const gates = [view.incident, view.playbook]
      .filter((s) => s?.pendingApproval)
      .map((s) => ({ workflowId: s!.workflowId, gate: s!.pendingApproval! }));
    this.sections.gate.update(gates, () =>
      gates.length === 0
        ? [h('p', { class: 'muted' }, 'Nothing is waiting for a decision.')]
        : gates.map(({ workflowId, gate }) =>
            h(
              'div',
              { class: 'gate' },
              h('p', {}, h('strong', {}, gate.question)),
              definitions([
                ['Gate', `${gate.id} on ${workflowId}`],
                ['Votes', `${gate.votes.filter((v) => v.decision === 'approve').length}/${gate.quorum}`],
                ['Deadline', `${formatTime(gate.deadline)}, then ${gate.onTimeout}`],
              ]),
              h('p', {}, h('a', { href: '#/inbox' }, 'Decide in the approval inbox')),
            ),
          ),
    );
    this.sections.plan.update(
      [view.playbook?.plan, view.playbook?.dryRun, gates.map((g) => [g.gate.plan, g.gate.dryRunPlan])],
      () => this.plan(view),
    );
    this.sections.audit.update(audit.entries, () => [this.audit(view, audit)]);
    this.sections.report.update(report, () => [renderMarkdown(parseMarkdown(report))]);
  }

  private summary(view: IncidentView, now: number): HTMLElement {
    const run = view.playbook;
    const result = view.incident.result ?? run?.result;
    const c = view.classification;
    return definitions([
      [
        'Status',
        h(
          'span',
          {
            class: `phase phase-${view.running ? (run?.phase ?? view.incident.phase) : 'closed'}`,
            id: 'incident-status',
          },
          view.running
            ? `open: ${run?.phase ?? view.incident.phase}`
            : `closed: ${result?.outcome ?? view.executionStatus.toLowerCase()}`,
        ),
      ],
      ['Current step', view.running ? (run?.currentStep ?? view.incident.currentStep) : undefined],
      ['Result', result?.summary],
      ['Playbook', `${view.route?.playbook ?? 'none'} (rule ${view.route?.rule ?? 'none'})`],
      ['Resource', view.incident.resource],
      ['Classification', c ? `${c.severity} · ${c.category} · ${c.recoverability}` : undefined],
      ['Started', `${formatTime(view.incident.startedAt)} by ${view.incident.initiator}`],
      [
        'Duration',
        formatDuration(
          elapsedMs(view.incident.startedAt, view.running ? undefined : view.incident.updatedAt, now),
        ),
      ],
      ['Dry run', view.incident.dryRun ? 'yes: nothing is changed' : undefined],
      ['Paused', view.incident.paused || run?.paused ? 'by the kill switch' : undefined],
      [
        'Runs',
        view.runs
          .map((r) => `${r.workflowId.split('/').pop() ?? r.workflowId}${r.outcome ? ` (${r.outcome})` : ''}`)
          .join(', '),
      ],
    ]);
  }

  private alerts(view: IncidentView): HTMLElement {
    if (view.alerts.length === 0)
      return h('p', { class: 'muted' }, 'Triggered by hand or by a schedule: no alert attached.');
    return h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Alert', 'Status', 'Fingerprint', 'Labels', 'Since (UTC)', 'Links'].map((c) =>
            h('th', { scope: 'col' }, c),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...view.alerts.map((a) => {
          const links = alertLinks(a, this.session.links);
          return h(
            'tr',
            {},
            h(
              'td',
              {},
              a.alertname,
              a.annotations.summary ? h('div', { class: 'muted' }, a.annotations.summary) : null,
            ),
            h('td', {}, a.status),
            h('td', {}, h('code', {}, a.fingerprint)),
            h(
              'td',
              {},
              ...Object.entries(a.labels).map(([k, v]) => h('span', { class: 'label' }, `${k}=${v}`)),
            ),
            h(
              'td',
              {},
              formatTime(a.startsAt),
              a.endsAt && !a.endsAt.startsWith('0001') ? ` – ${formatTime(a.endsAt)}` : '',
            ),
            h(
              'td',
              {},
              h('a', { href: links.prometheus, rel: 'noreferrer', target: '_blank' }, 'Prometheus'),
              ' · ',
              h('a', { href: links.alertmanager, rel: 'noreferrer', target: '_blank' }, 'Alertmanager'),
            ),
          );
        }),
      ),
    );
  }

  private plan(view: IncidentView): Child[] {
    const out: Child[] = [];
    const pb = view.playbook;
    if (pb?.dryRun && pb.plan?.length)
      out.push(h('h4', {}, 'Dry-run plan (nothing was changed)'), planList(pb.plan));
    for (const s of [view.incident, pb]) {
      const g = s?.pendingApproval;
      if (g?.plan?.length) out.push(h('h4', {}, `Plan if ${g.id} is approved`), planList(g.plan));
      if (g?.dryRunPlan?.length)
        out.push(h('h4', {}, 'Plan of the preceding dry run'), planList(g.dryRunPlan));
    }
    if (!pb?.dryRun && pb?.plan?.length && out.length === 0) out.push(h('h4', {}, 'Plan'), planList(pb.plan));
    return out.length ? out : [h('p', { class: 'muted' }, 'No plan recorded for this episode.')];
  }

  private audit(view: IncidentView, audit: AuditTrail): HTMLElement {
    const ledger = view.episodeId ?? view.incidentId;
    return h(
      'table',
      { class: 'audit' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Time (UTC)', 'Where', 'Event', 'Actor', 'Detail'].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        ...audit.entries.map((e) => {
          const d = e.detail;
          const text = [d.summary, d.reason, d.message, d.error, d.comment].find(
            (x): x is string => typeof x === 'string',
          );
          return h(
            'tr',
            { 'data-kind': e.kind },
            h('td', {}, formatTime(e.at)),
            h('td', {}, e.workflowId === ledger ? 'incident' : e.workflowId.slice(ledger.length + 1)),
            h('td', {}, e.kind),
            h('td', {}, e.actor),
            h('td', {}, text ?? ''),
          );
        }),
      ),
    );
  }

  private download(): void {
    const blob = new Blob([this.report], { type: 'text/markdown;charset=utf-8' });
    const a = h('a', {
      href: URL.createObjectURL(blob),
      download: `${this.id.replace(/[^A-Za-z0-9._-]+/g, '_')}.md`,
    });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
}
