// Every playbook workflow holds its own input to the policy before its first step (issue 9, F1):
// the API's check is not enough, since anyone with access to Temporal can start a playbook
// directly. The worker's activity (activities/control/policy-check.ts) returns the effective
// settings, which replace the input's; a refusal is audited, closes the run as failed and fails
// the workflow with the refusal's ApplicationFailure (PolicyViolation / ResourceMismatch).
import { ActivityFailure, ApplicationFailure, patched } from '@temporalio/workflow';
import type { PolicyCheckActivities } from '../../activities/control/policy-check';
import { ErrorTypes } from '../../shared/errors';
import { type PlaybookInput } from '../../shared/playbook-input';
import { activitiesOn } from './activity-presets';
import { type PlaybookRun } from './playbook-run';

/** The `patched()` id of the worker-side policy check; runs recorded before it replay without it. */
export const POLICY_CHECK_PATCH = 'worker-enforces-policy';

/** The policy refusal inside an activity failure, or undefined for any other error. */
export function policyRefusalOf(err: unknown): ApplicationFailure | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (!(cause instanceof ApplicationFailure)) return undefined;
  return cause.type === ErrorTypes.PolicyViolation || cause.type === ErrorTypes.ResourceMismatch
    ? cause
    : undefined;
}

/** Audits a refusal and closes the run as failed; returns the failure the workflow fails with. */
export async function refuseRun(run: PlaybookRun, failure: ApplicationFailure): Promise<ApplicationFailure> {
  const details = (failure.details?.[0] ?? {}) as { setting?: string };
  await run.record('policy-refused', 'policy-refused', run.ctx.initiator, {
    type: failure.type,
    setting: details.setting,
    message: failure.message,
    via: 'worker',
  });
  await run.close({
    outcome: 'failed',
    summary: `refused by the policy: ${failure.message}`,
    details: { refusal: { type: failure.type, setting: details.setting } },
  });
  return ApplicationFailure.create({
    type: failure.type ?? ErrorTypes.PolicyViolation,
    message: failure.message,
    details: failure.details as unknown[] | undefined,
    nonRetryable: true,
  });
}

/**
 * Returns the input with the policy's effective settings (parameters, approval policy, policy
 * version) in place of what the starter sent; throws the refusal (see file comment).
 */
export async function enforcedInput<I extends PlaybookInput<unknown>>(
  run: PlaybookRun,
  playbook: string,
  input: I,
): Promise<I> {
  if (!patched(POLICY_CHECK_PATCH)) return input;
  const check = activitiesOn<PolicyCheckActivities>('control', 'bookkeeping');
  let effective;
  try {
    effective = await check.checkPlaybookInput({
      playbook,
      resource: input.context.resource,
      params: (input.params ?? {}) as Record<string, unknown>,
      approvalPolicy: input.context.approvalPolicy,
    });
  } catch (err) {
    const failure = policyRefusalOf(err);
    if (!failure) throw err;
    throw await refuseRun(run, failure);
  }
  // The run's context is the object its gates read (initiator, approval policy).
  run.ctx.approvalPolicy = effective.approvalPolicy;
  run.ctx.policyVersion = effective.policyVersion;
  run.status.policyVersion = effective.policyVersion;
  // Fields beyond context and params (a continued run's carried state) pass through unchanged.
  return {
    ...input,
    context: {
      ...input.context,
      approvalPolicy: effective.approvalPolicy,
      policyVersion: effective.policyVersion,
    },
    params: effective.params,
  };
}
