// The approval inbox (issue 15, item 3): every gate pending on a running incident, with its
// question, plan, votes, deadline and what happens at the timeout. Gates the signed-in principal
// may decide get a comment, a choice where the gate offers them, and approve/reject, sent as the
// CLI sends them (POST /v1/incidents/:id/approvals with the gate's approvalId and the digest of
// what is shown here): a gate that changed or settled meanwhile is answered 409 and shown again.
import { ApiError, incidentPath, type Api } from './api.js';
import {
  type DecisionReply,
  type IncidentSummary,
  type IncidentView,
  type PendingApproval,
  type Session,
} from './api-types.js';
import { definitions, h, replace, Section } from './dom.js';
import { formatDuration, formatTime } from './format.js';
import { canDecide } from './gate-rules.js';
import { planList } from './incident-view.js';
import { incidentHref } from './list-view.js';

interface PendingGate {
  incidentId: string;
  initiator: string;
  workflowId: string;
  gate: PendingApproval;
}

/** The pending gates of an incident: its own, then its playbook run's (as the CLI lists them). */
export function pendingGates(v: IncidentView): PendingGate[] {
  if (!v.running) return [];
  return [v.incident, v.playbook]
    .filter((s) => s?.pendingApproval !== undefined)
    .map((s) => ({
      incidentId: v.incidentId,
      initiator: v.incident.initiator,
      workflowId: s!.workflowId,
      gate: s!.pendingApproval!,
    }));
}

const keyOf = (g: PendingGate) => `${g.incidentId}|${g.gate.id}|${g.gate.digest ?? ''}`;

export class InboxView {
  private readonly list = h('div', { class: 'inbox' });
  private readonly summary = h('p', { class: 'muted', id: 'inbox-summary' });
  /** The last decision's answer; outlives the card, which leaves once its gate settles. */
  private readonly flash = h('p', { class: 'flash', role: 'status', id: 'inbox-flash' });
  /** Cards by gate and digest: kept across polls so a comment being typed survives a refresh. */
  private cards = new Map<string, { el: HTMLElement; votes: Section }>();

  constructor(
    root: HTMLElement,
    private readonly api: Api,
    private readonly session: Session,
  ) {
    replace(root, h('h2', {}, 'Approval inbox'), this.flash, this.summary, this.list);
  }

  async refresh(): Promise<void> {
    const { incidents } = await this.api.get<{ incidents: IncidentSummary[] }>(
      '/v1/incidents?status=running&limit=200',
    );
    const views = await Promise.all(
      incidents.map((r) => this.api.get<IncidentView>(incidentPath(r.incidentId)).catch(() => undefined)),
    );
    const gates = views.flatMap((v) => (v ? pendingGates(v) : []));
    const mine = gates.filter((g) => canDecide(g.gate, this.session, g.initiator).allowed).length;
    this.summary.textContent = `${mine} gate(s) waiting on you (${this.session.principal}); ${gates.length} pending in all. Refreshed ${formatTime(new Date().toISOString())}.`;
    const next = new Map<string, { el: HTMLElement; votes: Section }>();
    for (const g of gates) {
      const card = this.cards.get(keyOf(g)) ?? this.card(g);
      card.votes.update(g.gate.votes, () => [this.votes(g.gate)]);
      next.set(keyOf(g), card);
    }
    this.cards = next;
    const wanted = [...next.values()].map((c) => c.el);
    const current = [...this.list.children];
    if (wanted.length === 0) replace(this.list, h('p', {}, 'Nothing is waiting for a decision.'));
    else if (wanted.length !== current.length || wanted.some((el, i) => el !== current[i]))
      replace(this.list, ...wanted);
  }

  private votes(gate: PendingApproval): HTMLElement {
    const approvals = gate.votes.filter((v) => v.decision === 'approve').length;
    return h(
      'div',
      {},
      h('p', {}, `Votes: ${approvals} of ${gate.quorum} approval(s) needed.`),
      gate.votes.length
        ? h(
            'ul',
            {},
            ...gate.votes.map((v) =>
              h(
                'li',
                {},
                `${v.principal}: ${v.decision}${v.choice ? ` (${v.choice})` : ''}${v.comment ? `: “${v.comment}”` : ''} at ${formatTime(v.at)}`,
              ),
            ),
          )
        : null,
    );
  }

  private card(g: PendingGate): { el: HTMLElement; votes: Section } {
    const { gate } = g;
    const verdict = canDecide(gate, this.session, g.initiator);
    const votes = new Section(h('div', { class: 'votes' }));
    const who = [...gate.allowedPrincipals, ...gate.allowedRoles.map((r) => `role ${r}`)].join(', ');
    const left = Date.parse(gate.deadline) - Date.now();
    const idBase = `gate-${Math.abs(hash(keyOf(g)))}`;
    const el = h(
      'article',
      {
        class: 'gate-card',
        'data-incident': g.incidentId,
        'data-approval': gate.id,
        'aria-labelledby': `${idBase}-q`,
      },
      h('h3', { id: `${idBase}-q` }, gate.question),
      definitions([
        ['Incident', h('a', { href: incidentHref(g.incidentId) }, g.incidentId)],
        ['Gate', `${gate.id} (step ${gate.step}) on ${g.workflowId}`],
        ['Started by', g.initiator],
        ['Who may decide', `${who}${gate.restrictTo?.length ? ` (only ${gate.restrictTo.join(', ')})` : ''}`],
        ['Deadline', `${formatTime(gate.deadline)} (${left > 0 ? `in ${formatDuration(left)}` : 'passed'})`],
        ['At the timeout', gate.onTimeout],
        ['Choices', gate.choices.join(', ')],
        ['Parameters', gate.params ? JSON.stringify(gate.params) : undefined],
        ['Digest', gate.digest ? h('code', {}, gate.digest) : undefined],
      ]),
      gate.plan?.length ? h('div', {}, h('h4', {}, 'Plan if approved'), planList(gate.plan)) : null,
      gate.dryRunPlan?.length
        ? h('div', {}, h('h4', {}, 'Plan of the preceding dry run'), planList(gate.dryRunPlan))
        : null,
      votes.el,
      verdict.allowed
        ? this.decisionForm(g, idBase)
        : h('p', { class: 'muted not-yours' }, `You cannot decide this gate: ${verdict.reason}.`),
    );
    return { el, votes };
  }

  private decisionForm(g: PendingGate, idBase: string): HTMLElement {
    const comment = h('textarea', {
      id: `${idBase}-comment`,
      name: 'comment',
      rows: 2,
      cols: 60,
      maxlength: 2000,
    });
    const choice = g.gate.choices.length
      ? h(
          'select',
          { id: `${idBase}-choice`, name: 'choice' },
          ...g.gate.choices.map((c) => h('option', { value: c }, c)),
        )
      : null;
    const status = h('p', { class: 'decision-status', role: 'status' });
    const approve = h(
      'button',
      { type: 'submit', name: 'decision', value: 'approve', class: 'approve' },
      'Approve',
    );
    const reject = h(
      'button',
      { type: 'submit', name: 'decision', value: 'reject', class: 'reject' },
      'Reject',
    );
    const form = h(
      'form',
      { class: 'decide' },
      h('label', { for: comment.id }, 'Comment (kept with your vote)'),
      comment,
      choice ? h('label', { for: choice.id }, 'Choice') : null,
      choice,
      h('div', { class: 'buttons' }, approve, reject),
      status,
    );
    form.addEventListener('submit', (e: SubmitEvent) => {
      e.preventDefault();
      const decision = e.submitter === reject ? 'reject' : 'approve';
      approve.disabled = reject.disabled = true;
      status.textContent = `Sending your ${decision}…`;
      const body = {
        decision,
        comment: comment.value,
        ...(choice && decision === 'approve' ? { choice: choice.value } : {}),
        approvalId: g.gate.id,
        ...(g.gate.digest ? { digest: g.gate.digest } : {}),
      };
      this.api.post<DecisionReply>(incidentPath(g.incidentId, '/approvals'), body).then(
        (r) => {
          status.textContent = `${decision === 'approve' ? 'Approved' : 'Rejected'} ${r.approvalId} on ${g.incidentId}: ${r.votes}/${r.quorum} vote(s)${r.settled ? ', settled' : ', waiting for more approvers'}.`;
          this.flash.textContent = status.textContent;
          void this.refresh().catch(() => undefined);
        },
        (err: unknown) => {
          approve.disabled = reject.disabled = false;
          status.textContent =
            err instanceof ApiError
              ? `Refused (${err.status} ${err.error}): ${err.message}${err.status === 409 ? ' The inbox shows the gate as it is now.' : ''}`
              : `Could not send: ${(err as Error).message}`;
          status.classList.add('error');
          // A 409 refresh removes a settled gate's card: the answer stays readable above the list.
          this.flash.textContent = `${g.gate.id} on ${g.incidentId}: ${status.textContent}`;
          if (err instanceof ApiError && err.status === 409) void this.refresh().catch(() => undefined);
        },
      );
    });
    return form;
  }
}

/** A stable small number for element ids (gate ids may hold characters ids should not). */
function hash(s: string): number {
  let x = 0;
  for (let i = 0; i < s.length; i++) x = (Math.imul(x, 31) + s.charCodeAt(i)) | 0;
  return x;
}
