// The runtime every playbook workflow is built on: it owns the `status` answered by the query,
// runs steps with durable retries (each attempt and its error visible), holds every attempt of a
// mutating step while the kill switch is on, skips destructive steps once the alert resolved, keeps the saga's
// compensations, gates steps on human approval, and audits each of these.
import {
  CancellationScope,
  condition,
  patched,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AuditActivities } from '../../activities/audit';
import type { ControlFlag, GuardrailActivities } from '../../activities/control/guardrails';
import { type PlaybookContext } from '../../shared/playbook';
import { OutcomeAttr, PhaseAttr, PlaybookAttr } from '../../shared/search-attributes';
import { prefixOfWorkflowQueue } from '../../shared/task-queues';
import {
  alertFiringSignal,
  alertResolvedSignal,
  pauseSignal,
  resumeSignal,
  statusQuery,
  type Phase,
  type PlannedAction,
  type PlaybookResult,
  type PlaybookStatus,
  type StepStatus,
} from '../../shared/workflow-interface';
import { activitiesOn } from './activity-presets';
import { ApprovalGate, type ApprovalOutcome, type ApprovalRequest } from './approvals';
import { describeError, isRetryable } from './errors';

export interface StepOptions<T> {
  /** Changes the target system: waits while paused, and is audited. */
  mutating?: boolean;
  /** Destroys or rewrites data: skipped if the alert resolved before the step started. */
  destructive?: boolean;
  /**
   * Attempts before the step fails (transient errors only). Default: 5 attempts and, once that
   * patch is recorded, at least DEFAULT_RETRY_WINDOW_MS of retrying (an explicit number is exact).
   */
  maxAttempts?: number;
  /** Delay before the second attempt; doubles each time up to 30 s. Default 1 s. */
  initialBackoffMs?: number;
  /** A one-line summary of the result for the status and the audit trail. */
  summarize?: (result: T) => string;
}

export class StepSkipped extends Error {
  constructor(readonly step: string) {
    super(`step ${step} skipped: the alert resolved before it started`);
    this.name = 'StepSkipped';
  }
}

const MAX_BACKOFF_MS = 30_000;
/**
 * A step with the default budget retries transient failures for at least this long (workflow
 * time), however many attempts that takes: five attempts are over in about 15 s, so a database or
 * broker restarting for 30 s failed (and compensated) every run that met it (issue 14, the chaos
 * matrix's outage cells: "PostgreSQL, Redis and Kafka each stopped for 30 s: completes").
 */
export const DEFAULT_RETRY_WINDOW_MS = 2 * 60_000;
/** The `patched()` id under which the default budget includes DEFAULT_RETRY_WINDOW_MS. */
export const STEP_RETRY_WINDOW_PATCH = 'step-retry-window';
/** While paused, the run re-reads the kill switch this often (ms) in case a resume never reached it. */
export const PAUSED_REREAD_MS = 5 * 60_000;

/** The `patched()` id under which pause/resume signals only trigger a re-read of the stored state. */
export const CONTROL_HINTS_PATCH = 'control-signals-are-hints';

/** A kill-switch or alert signal as the run received it (see onControlSignal). */
export type ControlSignal =
  | { kind: 'pause'; by: string; reason?: string; version?: number }
  | { kind: 'resume'; by: string; version?: number }
  | { kind: 'alertResolved'; at: string };

export class PlaybookRun {
  readonly status: PlaybookStatus;
  private readonly compensations: { name: string; run: () => Promise<unknown> }[] = [];
  private readonly audit: AuditActivities;
  private readonly gate: ApprovalGate;
  private phaseBeforePause: Phase = 'running';
  private readonly controlListeners: ((signal: ControlSignal) => void)[] = [];
  private baselinePending = false;
  /** A re-read of the kill switch is in flight / another was asked for while it ran. */
  private rereading = false;
  private rereadAgain = false;
  /**
   * The id this run's audit entries and notifications are keyed under: the workflow id, or for an
   * incident the episode id, so a recurring incident's effects never collide with an earlier one's.
   */
  ledgerId: string;

  constructor(
    playbook: string,
    readonly ctx: PlaybookContext,
  ) {
    const now = this.now();
    this.status = {
      workflowId: workflowInfo().workflowId,
      playbook,
      resource: ctx.resource,
      initiator: ctx.initiator,
      dryRun: ctx.dryRun,
      phase: 'starting',
      paused: false,
      alertResolved: false,
      steps: [],
      decisions: [],
      compensations: [],
      plan: ctx.dryRun ? [] : undefined,
      policyVersion: ctx.policyVersion,
      startedAt: now,
      updatedAt: now,
    };
    this.ledgerId = this.status.workflowId;
    this.audit = activitiesOn<AuditActivities>('control', 'bookkeeping');
    this.gate = new ApprovalGate({
      initiator: () => this.ctx.initiator,
      nowIso: () => this.now(),
      onRequested: async (p) => {
        this.status.pendingApproval = p;
        this.setPhase('awaiting-approval');
        await this.record(`approval:${p.id}:requested`, 'approval-requested', 'rebound', {
          question: p.question,
          choices: p.choices,
          deadline: p.deadline,
        });
      },
      onSettled: async (r) => {
        this.status.pendingApproval = undefined;
        this.status.decisions = this.gate.decisions;
        this.setPhase('running');
        await this.record(
          `approval:${r.approvalId}:${r.outcome}`,
          `approval-${r.outcome}`,
          r.votes.at(-1)?.principal ?? 'rebound',
          {
            choice: r.choice,
            votes: r.votes,
          },
        );
      },
      onRefused: async (d, refusal) => {
        const principal = String(d?.principal ?? 'unknown');
        await this.record(
          `decision-refused:signal:${String(d?.approvalId)}:${principal}:${String(d?.issuedAt)}:${refusal.reason}`,
          'decision-refused',
          principal,
          { type: refusal.type, reason: refusal.reason, message: refusal.message, via: 'signal' },
        );
      },
      onWithdrawn: () => {
        this.status.pendingApproval = undefined;
        this.touch();
        return Promise.resolve();
      },
      onTimeout: async (p) => {
        await this.audit.notify({
          workflowId: this.ledgerId,
          key: `approval-timeout:${p.id}`,
          severity: 'critical',
          message: `No decision on "${p.question}" for ${this.status.resource} by ${p.deadline}; taking the safe default: ${p.onTimeout}`,
        });
      },
    });

    setHandler(statusQuery, () => this.status);
    setHandler(pauseSignal, ({ by, reason, version }) => {
      this.notifyControl({ kind: 'pause', by, reason, version });
      // Signals are hints (anyone with access to Temporal can send one, with any version): the
      // run applies only the stored kill-switch state, which it re-reads now. Patched: recorded
      // histories applied the payload.
      if (patched(CONTROL_HINTS_PATCH)) return this.rereadControl();
      // A pause without a version (sent by hand, e.g. with the Temporal CLI) is not the kill
      // switch's: the database state read next only becomes the baseline, and only a later change
      // of the kill switch (a newer version) may resume the run.
      if (version === undefined) this.baselinePending = true;
      this.applyControl({ paused: true, by, reason, version });
    });
    setHandler(resumeSignal, ({ by, version }) => {
      this.notifyControl({ kind: 'resume', by, version });
      if (patched(CONTROL_HINTS_PATCH)) return this.rereadControl();
      if (version === undefined) this.baselinePending = false;
      this.applyControl({ paused: false, by, version });
    });
    setHandler(alertResolvedSignal, ({ at }) => {
      this.notifyControl({ kind: 'alertResolved', at });
      if (this.status.alertResolved) return;
      this.status.alertResolved = true;
      this.touch();
    });
    // The incident's alerts are tracked per fingerprint: one that fires again clears the resolution.
    setHandler(alertFiringSignal, () => {
      if (!this.status.alertResolved) return;
      this.status.alertResolved = false;
      this.touch();
    });
  }

  /**
   * Registers a listener for every pause / resume / alertResolved signal this run receives, called
   * before the run's own bookkeeping (the incident workflow forwards them to its playbook run).
   */
  onControlSignal(listener: (signal: ControlSignal) => void): void {
    this.controlListeners.push(listener);
  }

  get dryRun(): boolean {
    return this.ctx.dryRun;
  }

  setPhase(phase: Phase): void {
    this.status.phase = phase;
    this.touch();
    this.upsert(PhaseAttr, phase);
  }

  /**
   * Applies a kill-switch state (a signal, or the flag read from the database). A state older than
   * the one already applied is ignored: versions come from the control state row, so a pause
   * delivered late (or a flag read before a resume arrived) never undoes a newer resume.
   */
  applyControl(s: ControlFlag & { version?: number }): void {
    const current = this.status.controlVersion;
    if (s.version !== undefined && current !== undefined && s.version <= current) return;
    if (s.version !== undefined) this.status.controlVersion = s.version;
    if (this.status.paused === s.paused) return;
    this.status.paused = s.paused;
    this.touch();
    const by = s.by ?? 'kill-switch';
    void this.record(
      `${s.paused ? 'pause' : 'resume'}:${s.version ?? this.now()}`,
      s.paused ? 'paused' : 'resumed',
      by,
      s.paused ? { reason: s.reason, version: s.version } : { version: s.version },
    ).catch(() => undefined);
  }

  /**
   * Runs one step with durable retries; returns its result. Throws the last error when it fails.
   * A mutating or destructive step waits while paused before every attempt, retries included.
   */
  async step<T>(name: string, fn: () => Promise<T>, opts: StepOptions<T> = {}): Promise<T> {
    const holds = opts.mutating === true || opts.destructive === true;
    if (holds) await this.waitWhilePaused();
    if (opts.destructive && this.status.alertResolved) {
      this.status.steps.push({ ...this.newStep(name, true), state: 'skipped', finishedAt: this.now() });
      await this.record(`step:${name}:skipped`, 'step-skipped', 'rebound', { reason: 'alert resolved' });
      throw new StepSkipped(name);
    }
    const step = this.newStep(name, opts.destructive ?? false);
    this.status.steps.push(step);
    this.status.currentStep = name;
    if (this.status.phase === 'starting') this.setPhase('running');
    const maxAttempts = opts.maxAttempts ?? 5;
    const startedMs = Date.now();
    // Evaluated only once the attempts are used up, so older histories meet patched() where they
    // failed, and replay their failure.
    const inRetryWindow = () =>
      opts.maxAttempts === undefined &&
      Date.now() - startedMs < DEFAULT_RETRY_WINDOW_MS &&
      patched(STEP_RETRY_WINDOW_PATCH);
    let backoff = opts.initialBackoffMs ?? 1_000;
    for (;;) {
      if (holds && step.attempts > 0) await this.waitWhilePaused();
      step.attempts += 1;
      this.touch();
      try {
        const result = await fn();
        step.state = 'succeeded';
        step.finishedAt = this.now();
        step.summary = opts.summarize?.(result);
        this.touch();
        if (opts.mutating || opts.destructive) {
          await this.record(`step:${name}`, 'step-succeeded', 'rebound', {
            summary: step.summary,
            attempts: step.attempts,
          });
        }
        return result;
      } catch (err) {
        step.lastError = describeError(err);
        if (!isRetryable(err) || (step.attempts >= maxAttempts && !inRetryWindow())) {
          step.state = 'failed';
          step.finishedAt = this.now();
          this.touch();
          if (opts.mutating || opts.destructive) {
            await this.record(`step:${name}:failed`, 'step-failed', 'rebound', {
              error: step.lastError,
              attempts: step.attempts,
            });
          }
          throw err;
        }
        this.touch();
        await sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /** Registers the undo of a step that just succeeded (saga). */
  addCompensation(name: string, run: () => Promise<unknown>): void {
    this.compensations.push({ name, run });
  }

  get compensationCount(): number {
    return this.compensations.length;
  }

  /**
   * Runs the registered compensations in reverse order, in a scope that cancellation cannot
   * interrupt. Each is retried durably; one that still fails is recorded and the rest still run.
   * Returns true when every compensation succeeded.
   */
  async compensate(reason: string): Promise<boolean> {
    // No decision may change what the compensation does (a late signal is refused and audited).
    this.gate.closeForDecisions('compensating');
    this.setPhase('compensating');
    await this.record('compensation:start', 'compensation-started', 'rebound', { reason });
    return CancellationScope.nonCancellable(async () => {
      let allOk = true;
      while (this.compensations.length > 0) {
        const c = this.compensations.pop()!;
        try {
          await this.step(`compensate:${c.name}`, c.run, { maxAttempts: 10 });
          this.status.compensations.push({ name: c.name, state: 'succeeded', at: this.now() });
          await this.record(`compensation:${c.name}`, 'compensation-succeeded', 'rebound', {});
        } catch (err) {
          allOk = false;
          this.status.compensations.push({
            name: c.name,
            state: 'failed',
            at: this.now(),
            error: describeError(err),
          });
          await this.record(`compensation:${c.name}:failed`, 'compensation-failed', 'rebound', {
            error: describeError(err),
          });
          // Stop here: the compensations still to run undo earlier steps, which assumed this one
          // undone (issue 14, known fault 1). What is left is recorded for a person to finish.
          if (patched('compensation-halts-at-failure')) {
            const notRun = this.compensations.splice(0).reverse();
            for (const rest of notRun)
              this.status.compensations.push({ name: rest.name, state: 'not-run', at: this.now() });
            await this.record('compensation:halted', 'compensation-halted', 'rebound', {
              failed: c.name,
              notRun: notRun.map((r) => r.name),
            });
          }
        }
        this.touch();
      }
      return allOk;
    });
  }

  /** Dry-run: records what a step would do instead of doing it. */
  plan(action: PlannedAction): void {
    this.status.plan = [...(this.status.plan ?? []), action];
    this.touch();
  }

  /** Publishes playbook-specific live figures in the status (replaces the previous ones). */
  setProgress(progress: Record<string, unknown>): void {
    this.status.progress = progress;
    this.touch();
  }

  requestApproval(req: ApprovalRequest): Promise<ApprovalOutcome> {
    return this.gate.request(req);
  }

  /** Writes an audit entry; `key` must be unique within this workflow and stable across replays. */
  async record(key: string, kind: string, actor: string, detail: Record<string, unknown>): Promise<void> {
    await this.audit.recordAudit({
      workflowId: this.ledgerId,
      runId: workflowInfo().runId,
      entryKey: key,
      kind,
      actor,
      resource: this.status.resource,
      detail,
    });
  }

  notify(
    key: string,
    severity: 'info' | 'warning' | 'critical',
    message: string,
  ): Promise<{ sent: boolean }> {
    return this.audit.notify({ workflowId: this.ledgerId, key, severity, message });
  }

  /** Closes the run: the result becomes part of the status, the audit trail and the search attributes. */
  async close(result: PlaybookResult): Promise<PlaybookResult> {
    this.status.result = result;
    this.status.currentStep = undefined;
    // A closed run waits on nothing (a cancelled gate would otherwise stay listed as pending).
    this.status.pendingApproval = undefined;
    this.gate.closeForDecisions('closed');
    this.setPhase('closed');
    this.upsert(OutcomeAttr, result.outcome);
    await CancellationScope.nonCancellable(() =>
      this.record('closed', `closed-${result.outcome}`, 'rebound', { summary: result.summary }),
    );
    return result;
  }

  /**
   * Re-reads the stored kill-switch state and applies it (with its version, so an older read never
   * undoes a newer one). Signals arriving while a read is in flight are coalesced into one more
   * read, so a flood of forged signals costs at most two activities at a time. Never throws: it
   * runs from a signal handler, where an error (or a cancellation of the workflow) must not end
   * the run; it runs outside cancellation so a compensating run still learns of a pause.
   */
  private async rereadControl(): Promise<void> {
    if (this.rereading) {
      this.rereadAgain = true;
      return;
    }
    this.rereading = true;
    try {
      const guard = activitiesOn<GuardrailActivities>('control', 'quick');
      const scope = prefixOfWorkflowQueue(workflowInfo().taskQueue);
      do {
        this.rereadAgain = false;
        try {
          const flag = await CancellationScope.nonCancellable(() => guard.readControlFlag(scope));
          this.applyControl(flag);
        } catch {
          // Unreachable state store: keep the state applied last (waitWhilePaused reads again).
        }
      } while (this.rereadAgain);
    } finally {
      this.rereading = false;
    }
  }

  private notifyControl(signal: ControlSignal): void {
    for (const listener of this.controlListeners) listener(signal);
  }

  // Re-reads the persistent kill-switch state when it starts waiting and every few minutes while it
  // waits, so a resume broadcast that never reached this run (it was starting, or the broadcast
  // failed) cannot keep it paused forever.
  private async waitWhilePaused(): Promise<void> {
    if (!this.status.paused) return;
    this.phaseBeforePause = this.status.phase;
    this.setPhase('paused');
    const guard = activitiesOn<GuardrailActivities>('control', 'quick');
    const scope = prefixOfWorkflowQueue(workflowInfo().taskQueue);
    while (this.status.paused) {
      try {
        const flag = await guard.readControlFlag(scope);
        if (this.baselinePending) {
          this.baselinePending = false;
          this.status.controlVersion = Math.max(this.status.controlVersion ?? 0, flag.version ?? 0);
        } else {
          this.applyControl(flag);
        }
      } catch {
        // The state store is unreachable: stay paused (fail safe) and look again later.
      }
      if (!this.status.paused) break;
      await condition(() => !this.status.paused, PAUSED_REREAD_MS);
    }
    this.setPhase(this.phaseBeforePause);
  }

  private newStep(name: string, destructive: boolean): StepStatus {
    return { name, state: 'running', attempts: 0, destructive, startedAt: this.now() };
  }

  private now(): string {
    return new Date().toISOString();
  }

  private touch(): void {
    this.status.updatedAt = this.now();
  }

  // Search attributes exist on servers started by `stack up`; workflows started without them (unit
  // tests on the time-skipping server) skip the upsert rather than fail on an unknown attribute.
  private upsert(key: typeof PhaseAttr, value: string): void {
    if (workflowInfo().typedSearchAttributes.get(PlaybookAttr) === undefined) return;
    upsertSearchAttributes([{ key, value }]);
  }
}
