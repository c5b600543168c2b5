// The incident page's timeline (issue 15, item 2): every step of the incident workflow and of its
// playbook run as a bar on one time axis, with the waits that are not steps drawn beside them:
// approval gates (from `approval-requested` in the audit trail to the decision), kill-switch pauses
// (`paused` to `resumed`) and compensations. Pure: the view draws what this returns.
import { type AuditEntry, type IncidentView, type PlaybookStatus } from './api-types.js';

export type BarKind = 'step' | 'approval' | 'pause' | 'compensation';

export interface Bar {
  lane: 'incident' | 'playbook';
  kind: BarKind;
  label: string;
  /** step: running/succeeded/failed/skipped; approval: pending/approved/rejected/timed-out; … */
  state: string;
  start: number;
  end: number;
  /** Still going (drawn up to now). */
  open: boolean;
  attempts?: number;
  error?: string;
  detail?: string;
}

export interface Timeline {
  bars: Bar[];
  /** The axis, epoch milliseconds. */
  from: number;
  to: number;
}

const ms = (iso: string) => Date.parse(iso);

function stepBars(lane: Bar['lane'], s: PlaybookStatus, now: number): Bar[] {
  return s.steps.map((st) => ({
    lane,
    kind: 'step' as const,
    label: st.name,
    state: st.state,
    start: ms(st.startedAt),
    end: st.finishedAt ? ms(st.finishedAt) : now,
    open: !st.finishedAt,
    attempts: st.attempts,
    error: st.lastError,
    detail: st.summary,
  }));
}

function laneOf(view: IncidentView, workflowId: string): Bar['lane'] {
  return workflowId === view.incidentId || workflowId === view.episodeId ? 'incident' : 'playbook';
}

function approvalBars(view: IncidentView, audit: AuditEntry[], now: number): Bar[] {
  const bars: Bar[] = [];
  const statuses = [view.incident, view.playbook].filter((s): s is PlaybookStatus => s !== undefined);
  for (const e of audit) {
    if (e.kind !== 'approval-requested') continue;
    const id = /^approval:(.+):requested$/.exec(e.entryKey)?.[1] ?? e.entryKey;
    const lane = laneOf(view, e.workflowId);
    const status = statuses.find((s) => (lane === 'incident') === (s === view.incident));
    const decided = status?.decisions.find((d) => d.approvalId === id);
    const pending = status?.pendingApproval?.id === id;
    const votes = (decided?.votes ?? status?.pendingApproval?.votes ?? [])
      .map((v) => `${v.principal} ${v.decision}`)
      .join(', ');
    bars.push({
      lane,
      kind: 'approval',
      label: `approval ${id}`,
      state: decided?.outcome ?? (pending ? 'pending' : 'withdrawn'),
      start: ms(e.at),
      end: decided ? ms(decided.at) : pending ? now : ms(e.at),
      open: !decided && pending,
      detail: votes ? `votes: ${votes}` : 'no votes yet',
    });
  }
  return bars;
}

function pauseBars(view: IncidentView, audit: AuditEntry[], now: number): Bar[] {
  const bars: Bar[] = [];
  const open = new Map<string, AuditEntry>();
  for (const e of audit) {
    if (e.kind === 'paused' && !open.has(e.workflowId)) open.set(e.workflowId, e);
    if (e.kind === 'resumed' && open.has(e.workflowId)) {
      const p = open.get(e.workflowId)!;
      open.delete(e.workflowId);
      bars.push(pauseBar(view, p, ms(e.at), false));
    }
  }
  for (const p of open.values()) bars.push(pauseBar(view, p, view.running ? now : ms(p.at), view.running));
  return bars;
}

function pauseBar(view: IncidentView, p: AuditEntry, end: number, isOpen: boolean): Bar {
  const reason = typeof p.detail.reason === 'string' ? p.detail.reason : '';
  return {
    lane: laneOf(view, p.workflowId),
    kind: 'pause',
    label: 'kill switch',
    state: isOpen ? 'paused' : 'resumed',
    start: ms(p.at),
    end,
    open: isOpen,
    detail: `paused${reason ? `: ${reason}` : ''}`,
  };
}

function compensationBars(view: IncidentView, audit: AuditEntry[]): Bar[] {
  const bars: Bar[] = [];
  for (const [lane, s] of [
    ['incident', view.incident],
    ['playbook', view.playbook],
  ] as const) {
    if (!s) continue;
    const started = audit.find(
      (e) => e.kind === 'compensation-started' && laneOf(view, e.workflowId) === lane,
    );
    let prev = started ? ms(started.at) : undefined;
    for (const c of s.compensations) {
      const at = ms(c.at);
      bars.push({
        lane,
        kind: 'compensation',
        label: `compensate ${c.name}`,
        state: c.state,
        start: prev !== undefined && prev <= at ? prev : at,
        end: at,
        open: false,
        error: c.error,
      });
      prev = at;
    }
  }
  return bars;
}

/** @param now epoch ms: the end of whatever is still running */
export function buildTimeline(view: IncidentView, audit: AuditEntry[], now: number): Timeline {
  const bars = [
    ...stepBars('incident', view.incident, now),
    ...(view.playbook ? stepBars('playbook', view.playbook, now) : []),
    ...approvalBars(view, audit, now),
    ...pauseBars(view, audit, now),
    ...compensationBars(view, audit),
  ]
    .filter((b) => Number.isFinite(b.start) && Number.isFinite(b.end))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const from = Math.min(ms(view.incident.startedAt), ...bars.map((b) => b.start));
  const to = Math.max(from + 1000, ...bars.map((b) => b.end));
  return { bars, from, to };
}

/** A bar's position on the axis as percentages; at least `minWidth` wide so a 1 ms step shows. */
export function place(b: Pick<Bar, 'start' | 'end'>, t: Pick<Timeline, 'from' | 'to'>, minWidth = 0.6) {
  const span = t.to - t.from;
  const left = ((b.start - t.from) / span) * 100;
  const width = Math.max(minWidth, ((b.end - b.start) / span) * 100);
  return {
    left: Math.min(left, 100 - minWidth),
    width: Math.min(width, 100 - Math.min(left, 100 - minWidth)),
  };
}

/** `count` evenly spaced tick times from `from` to `to`, both included. */
export function ticks(t: Pick<Timeline, 'from' | 'to'>, count = 5): number[] {
  return Array.from({ length: count }, (_, i) => t.from + ((t.to - t.from) * i) / (count - 1));
}
