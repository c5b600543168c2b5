// Small workflows that exercise the playbook kit (workflows/lib) in isolation, for
// test/unit/kit. Bundled only by those tests.
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  defineSignal,
  isCancellation,
  setHandler,
} from '@temporalio/workflow';
import { ErrorTypes } from '../../shared/errors';
import { type ApprovalPolicy, type PlaybookContext } from '../../shared/playbook';
import { type PlaybookStatus } from '../../shared/workflow-interface';
import { activitiesOn } from '../../workflows/lib/activity-presets';
import { type ApprovalOutcome } from '../../workflows/lib/approvals';
import { breakerWaitingSteps } from '../../workflows/lib/breaker-wait';
import { PlaybookRun, StepSkipped } from '../../workflows/lib/playbook-run';

export interface KitActivities {
  act(name: string): Promise<string>;
}

const policy: ApprovalPolicy = {
  allowedPrincipals: [],
  allowedRoles: ['approver'],
  quorum: 1,
  timeout: '1h',
  required: true,
};

export function context(overrides: Partial<PlaybookContext> = {}): PlaybookContext {
  return {
    resource: 'test:kit',
    initiator: 'carol',
    reason: '',
    dryRun: false,
    approvalPolicy: policy,
    ...overrides,
  };
}

export async function kitStepsWorkflow(
  ctx: PlaybookContext,
  names: string[],
  /** null: the step runner's default budget. */
  maxAttempts: number | null,
): Promise<PlaybookStatus> {
  const run = new PlaybookRun('kit', ctx);
  const acts = activitiesOn<KitActivities>('postgres', 'quick');
  try {
    for (const name of names)
      await run.step(name, () => acts.act(name), {
        mutating: true,
        maxAttempts: maxAttempts ?? undefined,
        initialBackoffMs: 1_000,
      });
  } catch {
    // the status records the failure
  }
  return run.status;
}

export async function kitSagaWorkflow(ctx: PlaybookContext, names: string[]): Promise<PlaybookStatus> {
  const run = new PlaybookRun('kit', ctx);
  const acts = activitiesOn<KitActivities>('postgres', 'quick');
  try {
    for (const name of names) {
      await run.step(name, () => acts.act(name), { mutating: true, maxAttempts: 2 });
      run.addCompensation(name, () => acts.act(`undo-${name}`));
    }
    await run.close({ outcome: 'recovered', summary: 'done' });
  } catch {
    const ok = await run.compensate('a step failed');
    await run.close({ outcome: ok ? 'compensated' : 'escalated', summary: 'compensated' });
  }
  return run.status;
}

export async function kitApprovalWorkflow(
  ctx: PlaybookContext,
  choices: string[],
): Promise<{ outcome: ApprovalOutcome; status: PlaybookStatus }> {
  const run = new PlaybookRun('kit', ctx);
  const outcome = await run.requestApproval({
    step: 'dangerous',
    question: 'Proceed with the dangerous step?',
    choices,
    policy: ctx.approvalPolicy,
    onTimeout: 'keep everything as it is',
  });
  return { outcome, status: run.status };
}

/** Lets kitCancelDuringApprovalWorkflow's compensation finish. */
export const releaseCompensationSignal = defineSignal('releaseCompensation');

/**
 * Asks for approval; when cancelled while waiting, compensates until released (so a test can look
 * at the run and send decisions while the compensations run), then closes.
 */
export async function kitCancelDuringApprovalWorkflow(ctx: PlaybookContext): Promise<PlaybookStatus> {
  const run = new PlaybookRun('kit', ctx);
  let released = false;
  setHandler(releaseCompensationSignal, () => {
    released = true;
  });
  run.addCompensation('slow-undo', () => CancellationScope.nonCancellable(() => condition(() => released)));
  try {
    await run.requestApproval({
      step: 'dangerous',
      question: 'Proceed with the dangerous step?',
      policy: ctx.approvalPolicy,
      onTimeout: 'keep everything as it is',
    });
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(async () => {
      await run.compensate('cancelled');
      await run.close({ outcome: 'cancelled', summary: 'cancelled' });
    });
  }
  return run.status;
}

export async function kitDestructiveWorkflow(ctx: PlaybookContext): Promise<PlaybookStatus> {
  const run = new PlaybookRun('kit', ctx);
  const acts = activitiesOn<KitActivities>('postgres', 'quick');
  await run.step('prepare', () => acts.act('prepare'), { mutating: true });
  // Gives the test a window to signal pause / alertResolved between the two steps.
  await run.requestApproval({
    step: 'gate',
    question: 'continue?',
    policy: { ...policy, timeout: '10s' },
    onTimeout: 'continue',
  });
  try {
    await run.step('purge', () => acts.act('purge'), { destructive: true });
  } catch (err) {
    if (!(err instanceof StepSkipped)) throw err;
  }
  return run.status;
}

export async function kitFailWorkflow(): Promise<void> {
  await Promise.resolve();
  throw ApplicationFailure.nonRetryable('boom', ErrorTypes.InvalidInput);
}

/**
 * Runs each named step through breakerWaitingSteps (workflows/lib/breaker-wait.ts) with the breaker
 * unreadable (no Redis here): returns the status and what each step returned ('escalate' included).
 */
export async function kitBreakerWaitWorkflow(
  ctx: PlaybookContext,
  names: string[],
  maxDegradedMs: number,
): Promise<{ status: PlaybookStatus; results: string[]; degradedSeen: number }> {
  const run = new PlaybookRun('kit', ctx);
  const acts = activitiesOn<KitActivities>('postgres', 'quick');
  let degradedSeen = 0;
  const steps = breakerWaitingSteps({
    run,
    maxDegradedMs,
    readBreaker: () => Promise.reject(new Error('breaker state unreadable')),
    onDegraded: () => (degradedSeen += 1),
  });
  const results: string[] = [];
  try {
    for (const name of names) results.push(await steps.attempt(name, () => acts.act(name)));
  } catch {
    results.push('thrown');
  }
  return { status: run.status, results, degradedSeen };
}
