// The incident list (issue 15, item 1): filters, and one row per episode with its phase, current
// step, outcome and duration, refreshed by the app's poll without a reload. The current step of a
// running incident comes from its live status (GET /v1/incidents/:id), read for the running rows.
import { incidentPath, type Api } from './api.js';
import { type IncidentSummary, type IncidentView } from './api-types.js';
import { h, replace, type Child } from './dom.js';
import { elapsedMs, formatDuration, formatTime } from './format.js';
import {
  apiQuery,
  filterFromParams,
  filterToParams,
  matchesLocally,
  type ListFilter,
} from './list-filters.js';

const PLAYBOOKS = [
  'health-probe',
  'consumer-safe-mode-restart',
  'quarantine-redrive',
  'org-deletion',
  'partition-merge',
  'entitlement-resync',
  'outbox-replay',
  'cache-repair',
];
const OUTCOMES = ['recovered', 'compensated', 'escalated', 'cancelled', 'failed', 'resolved-before-action'];
/** Live statuses read per refresh: the running rows at the top of the list. */
const LIVE_ROWS = 25;

export function incidentHref(id: string): string {
  return `#/incident/${encodeURIComponent(id)}`;
}

function select(id: string, label: string, value: string, options: [string, string][]): Child[] {
  return [
    h('label', { for: id }, label),
    h(
      'select',
      { id, name: id },
      ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
    ),
  ];
}

export class ListView {
  private filter: ListFilter;
  private readonly body = h('tbody');
  private readonly summary = h('p', { class: 'muted', id: 'list-summary' });
  private rows = new Map<string, { tr: HTMLTableRowElement; signature: string }>();

  constructor(
    root: HTMLElement,
    private readonly api: Api,
    params: URLSearchParams,
  ) {
    this.filter = filterFromParams(params);
    const f = this.filter;
    const form = h(
      'form',
      { class: 'filters', 'aria-label': 'filter incidents' },
      ...select('status', 'Status', f.status, [
        ['', 'any'],
        ['running', 'running'],
        ['closed', 'closed'],
      ]),
      ...select('playbook', 'Playbook', f.playbook, [
        ['', 'any'],
        ...PLAYBOOKS.map((p): [string, string] => [p, p]),
      ]),
      h('label', { for: 'resource' }, 'Resource'),
      h('input', { id: 'resource', name: 'resource', value: f.resource, placeholder: 'org:…', size: 28 }),
      ...select('outcome', 'Outcome', f.outcome, [
        ['', 'any'],
        ['none', 'none yet'],
        ...OUTCOMES.map((o): [string, string] => [o, o]),
      ]),
      ...select('since', 'Started', f.since, [
        ['', 'any time'],
        ['1h', 'last hour'],
        ['24h', 'last 24 hours'],
        ['7d', 'last 7 days'],
      ]),
    );
    const apply = () => {
      const data = new FormData(form);
      this.filter = filterFromParams(
        new URLSearchParams([...data.entries()].map(([k, v]) => [k, typeof v === 'string' ? v : v.name])),
      );
      const q = filterToParams(this.filter).toString();
      history.replaceState(null, '', `#/incidents${q ? `?${q}` : ''}`);
      void this.refresh();
    };
    form.addEventListener('change', apply);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      apply();
    });
    replace(
      root,
      h('h2', {}, 'Incidents'),
      form,
      this.summary,
      h(
        'table',
        { class: 'incidents', 'aria-describedby': 'list-summary' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              'Incident',
              'Episode',
              'Playbook',
              'Resource',
              'Phase',
              'Current step',
              'Outcome',
              'Started (UTC)',
              'Duration',
            ].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        this.body,
      ),
    );
  }

  async refresh(): Promise<void> {
    const now = Date.now();
    const { incidents } = await this.api.get<{ incidents: IncidentSummary[] }>(
      `/v1/incidents?${apiQuery(this.filter)}`,
    );
    const rows = incidents.filter((r) => matchesLocally(r, this.filter, now));
    const live = new Map<string, IncidentView>();
    await Promise.all(
      rows
        .filter((r) => r.status === 'running')
        .slice(0, LIVE_ROWS)
        .map((r) =>
          this.api.get<IncidentView>(incidentPath(r.incidentId)).then(
            (v) => live.set(r.runId, v),
            () => undefined, // closed meanwhile: the next refresh lists it closed
          ),
        ),
    );
    this.render(rows, live, now);
    this.summary.textContent = `${rows.length} incident episode(s), running first, then closed, each newest first; refreshed ${formatTime(new Date(now).toISOString())}.`;
  }

  /**
   * Updates the rows in place: a row whose data did not change keeps its element (and the focus
   * on its link) and only its running duration is rewritten; rows move only when the order changed.
   */
  private render(rows: IncidentSummary[], live: Map<string, IncidentView>, now: number): void {
    if (rows.length === 0) {
      this.rows.clear();
      replace(this.body, h('tr', {}, h('td', { colspan: 9 }, 'No incident matches these filters.')));
      return;
    }
    const next = new Map<string, { tr: HTMLTableRowElement; signature: string }>();
    for (const r of rows) {
      const v = live.get(r.runId);
      const signature = JSON.stringify([
        r,
        v?.incident.phase,
        v?.incident.currentStep,
        v?.playbook?.phase,
        v?.playbook?.currentStep,
        !!(v?.incident.pendingApproval || v?.playbook?.pendingApproval),
      ]);
      const old = this.rows.get(r.runId);
      if (old && old.signature === signature) {
        const cell = old.tr.querySelector('td.duration');
        if (cell) cell.textContent = formatDuration(elapsedMs(r.startedAt, r.closedAt, now));
        next.set(r.runId, old);
      } else next.set(r.runId, { tr: this.row(r, v, now), signature });
    }
    this.rows = next;
    const wanted = [...next.values()].map((x) => x.tr);
    const current = [...this.body.children];
    if (wanted.length !== current.length || wanted.some((tr, i) => tr !== current[i]))
      replace(this.body, ...wanted);
  }

  private row(r: IncidentSummary, v: IncidentView | undefined, now: number): HTMLTableRowElement {
    const status = v?.playbook ?? v?.incident;
    const phase = status?.phase ?? r.phase ?? '';
    const step = v ? (v.playbook?.currentStep ?? v.incident.currentStep ?? '') : '';
    const waiting = v && (v.incident.pendingApproval || v.playbook?.pendingApproval);
    return h(
      'tr',
      { 'data-incident': r.incidentId, 'data-status': r.status, 'data-phase': phase },
      h('td', {}, h('a', { href: incidentHref(r.episodeId ?? r.incidentId) }, r.incidentId)),
      h('td', {}, r.episode ?? ''),
      h('td', {}, r.playbook ?? ''),
      h('td', { class: 'resource' }, r.resource ?? ''),
      h(
        'td',
        {},
        h('span', { class: `phase phase-${phase}` }, phase),
        waiting ? h('a', { class: 'badge', href: '#/inbox' }, 'needs approval') : null,
      ),
      h('td', {}, step),
      h(
        'td',
        {},
        r.outcome
          ? h('span', { class: `outcome outcome-${r.outcome}` }, r.outcome)
          : r.status === 'running'
            ? 'running'
            : r.executionStatus.toLowerCase(),
      ),
      h('td', {}, formatTime(r.startedAt)),
      h('td', { class: 'duration' }, formatDuration(elapsedMs(r.startedAt, r.closedAt, now))),
    );
  }
}
