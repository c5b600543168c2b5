// The incident workflow holds its own input to the routing file and the policy before its first
// step (issue 9, F1): an incident started with a raw Temporal client (a loosened approval policy,
// a bigger budget, another workflow type for the playbook) is refused exactly as the API would
// refuse the trigger. The effective settings replace the input's in place, so every later reader
// (guardrail gates, the child's input, the episode's recurrence rule) uses them.
import { patched } from '@temporalio/workflow';
import type { PolicyCheckActivities } from '../../activities/control/policy-check';
import { type IncidentInput } from '../../shared/incident';
import { activitiesOn } from '../lib/activity-presets';
import { POLICY_CHECK_PATCH } from '../lib/policy-check';
import { type PlaybookRun } from '../lib/playbook-run';

/** Throws the activity's refusal (see workflows/lib/policy-check.ts policyRefusalOf). */
export async function enforceIncidentPolicy(run: PlaybookRun, input: IncidentInput): Promise<void> {
  if (!patched(POLICY_CHECK_PATCH)) return;
  const check = activitiesOn<PolicyCheckActivities>('control', 'bookkeeping');
  const effective = await check.checkIncidentInput(input);
  const { route } = input;
  route.approvalPolicy = effective.approvalPolicy;
  route.classification = { ...route.classification, category: effective.category };
  if (effective.playbook) {
    route.params = effective.playbook.params;
    route.policyVersion = effective.playbook.policyVersion;
    run.status.policyVersion = effective.playbook.policyVersion;
  }
  input.budget = effective.budget;
  input.maxRuns = effective.maxRuns;
  input.recurrence = effective.recurrence;
  run.ctx.approvalPolicy = effective.approvalPolicy;
}
