// Control (issue 15, item 4): the kill switch with pause (a reason is required here: it is what
// the people whose recoveries stop will read) and resume, the declared schedules with their next
// runs, and the recovery budget used in its window. Pause and resume need incidents:write; the
// page offers them only to such tokens and the API refuses the others anyway.
import { ApiError, type Api } from './api.js';
import { type BudgetUsage, type ControlState, type ScheduleView, type Session } from './api-types.js';
import { definitions, h, replace, Section } from './dom.js';
import { formatTime } from './format.js';

const canWrite = (s: Session) => s.roles.includes('incidents:write') || s.roles.includes('admin');

export class ControlView {
  private readonly state = new Section(h('div', { id: 'kill-switch-state' }));
  private readonly budget = new Section(h('div', { id: 'budget' }));
  private readonly schedules = new Section(h('div', { id: 'schedules' }));
  private readonly message = h('p', { class: 'flash', role: 'status', id: 'control-message' });
  private readonly pauseForm: HTMLFormElement;
  private readonly resumeForm: HTMLFormElement;

  constructor(
    root: HTMLElement,
    private readonly api: Api,
    session: Session,
  ) {
    const reason = h('input', {
      id: 'pause-reason',
      name: 'reason',
      required: true,
      maxlength: 2000,
      size: 50,
    });
    this.pauseForm = h(
      'form',
      { class: 'control-form', id: 'pause-form' },
      h('label', { for: 'pause-reason' }, 'Reason for pausing'),
      reason,
      h('button', { type: 'submit', class: 'danger' }, 'Pause all recoveries'),
    );
    const resumeReason = h('input', { id: 'resume-reason', name: 'reason', maxlength: 2000, size: 50 });
    this.resumeForm = h(
      'form',
      { class: 'control-form', id: 'resume-form' },
      h('label', { for: 'resume-reason' }, 'Reason for resuming (optional)'),
      resumeReason,
      h('button', { type: 'submit' }, 'Resume recoveries'),
    );
    this.pauseForm.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!reason.value.trim()) return;
      this.act('/v1/control/pause', { reason: reason.value.trim() }, () => (reason.value = ''));
    });
    this.resumeForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const why = resumeReason.value.trim();
      this.act('/v1/control/resume', why ? { reason: why } : {}, () => (resumeReason.value = ''));
    });
    replace(
      root,
      h('h2', {}, 'Control'),
      this.message,
      h(
        'section',
        { 'aria-labelledby': 'h-kill' },
        h('h3', { id: 'h-kill' }, 'Kill switch'),
        this.state.el,
        canWrite(session)
          ? h('div', {}, this.pauseForm, this.resumeForm)
          : h('p', { class: 'muted' }, 'Your token cannot pause or resume (it needs incidents:write).'),
      ),
      h(
        'section',
        { 'aria-labelledby': 'h-budget' },
        h('h3', { id: 'h-budget' }, 'Recovery budget'),
        this.budget.el,
      ),
      h(
        'section',
        { 'aria-labelledby': 'h-schedules' },
        h('h3', { id: 'h-schedules' }, 'Schedules'),
        this.schedules.el,
      ),
    );
  }

  async refresh(): Promise<void> {
    const [state, budget, schedules] = await Promise.all([
      this.api.get<ControlState>('/v1/control'),
      this.api.get<BudgetUsage>('/v1/control/budget'),
      this.api.get<{ schedules: ScheduleView[] }>('/v1/schedules'),
    ]);
    this.showState(state);
    this.budget.update(budget, () => [
      h('meter', {
        min: 0,
        max: budget.max,
        value: budget.used,
        high: Math.max(1, budget.max - 1),
        'aria-label': 'recovery budget used',
      }),
      h(
        'p',
        { id: 'budget-text' },
        `${budget.used} of ${budget.max} automated recoveries used in the last ${budget.window}${budget.refused ? `; ${budget.refused} refused (sent to a human)` : ''}.`,
      ),
    ]);
    this.schedules.update(schedules.schedules, () => [
      schedules.schedules.length === 0
        ? h('p', { class: 'muted' }, 'No schedule is declared.')
        : h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['Schedule', 'Playbook', 'Resource', 'When', 'State', 'Next runs (UTC)'].map((c) =>
                  h('th', { scope: 'col' }, c),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              ...schedules.schedules.map((s) =>
                h(
                  'tr',
                  {},
                  h('td', {}, s.id),
                  h('td', {}, s.playbook ?? ''),
                  h('td', {}, s.resource ?? ''),
                  h('td', {}, s.every ? `every ${s.every}` : (s.cron ?? []).join('; ')),
                  h('td', {}, !s.exists ? 'not applied' : s.paused ? 'paused' : 'active'),
                  h('td', {}, s.nextRuns.slice(0, 3).map(formatTime).join(', ')),
                ),
              ),
            ),
          ),
    ]);
  }

  private showState(state: ControlState): void {
    this.pauseForm.hidden = state.paused;
    this.resumeForm.hidden = !state.paused;
    this.state.update(state, () => [
      h(
        'p',
        { class: state.paused ? 'switch paused' : 'switch running', id: 'kill-switch' },
        state.paused ? 'PAUSED: no recovery takes a mutating step' : 'Running: recoveries proceed',
      ),
      definitions([
        ['By', state.by],
        ['Reason', state.reason],
        ['Since', formatTime(state.since)],
        ['Version', state.version],
      ]),
    ]);
  }

  private act(path: string, body: unknown, done?: () => void): void {
    this.message.textContent = path.endsWith('pause') ? 'Pausing…' : 'Resuming…';
    this.api.post<ControlState & { signalled?: number }>(path, body).then(
      (s) => {
        this.showState(s);
        this.message.textContent = `${s.paused ? 'Paused' : 'Resumed'}; ${s.signalled ?? 0} running workflow(s) told.`;
        done?.();
      },
      (err: unknown) => {
        this.message.textContent =
          err instanceof ApiError
            ? `Refused (${err.status} ${err.error}): ${err.message}`
            : `Failed: ${(err as Error).message}`;
      },
    );
  }
}
