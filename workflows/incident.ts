// incidentWorkflow: one durable incident per fault. classify → guardrails (kill switch, global
// budget, security approval) → the playbook as a child workflow → verify → close with an
// outcome. Its workflow id is the incident key, so further alerts for the same resource attach
// to it (alertFired) instead of starting a second recovery: the id is the per-resource lock.
import {
  condition,
  isCancellation,
  patched,
  setHandler,
  startChild,
  workflowInfo,
  CancellationScope,
  ParentClosePolicy,
} from '@temporalio/workflow';
import type { GuardrailActivities } from '../activities/control/guardrails';
import { parseDuration } from '../shared/duration';
import {
  alertFiredSignal,
  alertNoticeSignal,
  incidentDetailsQuery,
  playbookRunId,
  triggeredSignal,
  type IncidentDetails,
  type IncidentInput,
} from '../shared/incident';
import { type PlaybookInput } from '../shared/playbook-input';
import { IncidentKeyAttr, PhaseAttr, PlaybookAttr, ResourceAttr } from '../shared/search-attributes';
import { prefixOfWorkflowQueue } from '../shared/task-queues';
import { pauseSignal, type PlaybookResult } from '../shared/workflow-interface';
import { AlertNotices } from './incident/alert-notices';
import { AlertTracker } from './incident/alert-tracker';
import { EPISODES_PATCH, Episode } from './incident/episode';
import { forwardControlSignals } from './incident/forwarding';
import { activitiesOn } from './lib/activity-presets';
import { describeError } from './lib/errors';
import { PlaybookRun } from './lib/playbook-run';
import { policyRefusalOf, refuseRun } from './lib/policy-check';
import { enforceIncidentPolicy } from './incident/policy-check';

export async function incidentWorkflow(input: IncidentInput): Promise<PlaybookResult> {
  const { route } = input;
  const run = new PlaybookRun(route.playbook ?? 'none', {
    resource: route.resource ?? `alert:${input.alert?.fingerprint ?? input.incidentId}`,
    initiator: input.initiator,
    reason: input.reason,
    dryRun: input.dryRun,
    incidentId: input.incidentId,
    approvalPolicy: route.approvalPolicy,
    policyVersion: route.policyVersion,
  });
  const tracker = new AlertTracker();
  // The first alert arrives as signalWithStart's alertFired signal, like every repeat after it.
  const details: IncidentDetails = {
    incidentId: input.incidentId,
    classification: route.classification,
    route: { rule: route.rule, playbook: route.playbook, reason: route.reason },
    alerts: tracker.alerts,
    repeats: 0,
    runs: [],
  };
  // Episodes and per-alert state (issue 10); runs recorded before them replay the old way.
  const notices = patched(EPISODES_PATCH)
    ? new AlertNotices(run, details, tracker, () => details.activeRun)
    : undefined;
  const episode = notices ? new Episode(input, details, notices) : undefined;
  if (episode) run.ledgerId = episode.id;
  if (route.resourceFull) details.route.resourceFull = route.resourceFull;
  setHandler(alertFiredSignal, (alert) => {
    if (notices) {
      notices.apply(alert);
      return;
    }
    tracker.fired(alert);
    details.repeats = tracker.repeats;
    run.status.updatedAt = new Date().toISOString();
  });
  setHandler(alertNoticeSignal, (alert) => {
    notices?.apply(alert);
  });
  // A second manual trigger for the same resource attaches to the recovery in flight.
  setHandler(triggeredSignal, () => {
    run.status.updatedAt = new Date().toISOString();
  });
  setHandler(incidentDetailsQuery, () => details);
  forwardControlSignals(run, () => details.activeRun);

  // A policy refusal closes the incident as failed, then fails the workflow with its type.
  let refused: Error | undefined;
  const result = await (async () => {
    try {
      await episode?.open();
      return await handleIncident(input, run, tracker, details, episode);
    } catch (err) {
      if (isCancellation(err)) {
        return CancellationScope.nonCancellable(() =>
          run.close({ outcome: 'cancelled', summary: 'cancelled by an operator' }),
        );
      }
      const refusal = policyRefusalOf(err);
      if (refusal) {
        refused = await refuseRun(run, refusal);
        return run.status.result!;
      }
      return run.close({ outcome: 'failed', summary: `incident failed: ${describeError(err)}` });
    }
  })();
  episode?.decided();
  const closed = episode ? await episode.close(result) : result;
  if (refused) throw refused;
  return closed;
}

async function handleIncident(
  input: IncidentInput,
  run: PlaybookRun,
  tracker: AlertTracker,
  details: IncidentDetails,
  episode: Episode | undefined,
): Promise<PlaybookResult> {
  // Effect keys (budget claims, child ids) are unique per episode.
  const keyBase = episode?.id ?? input.incidentId;
  // The worker's own policy check, before the first step (a raw Temporal client may have started it).
  await enforceIncidentPolicy(run, input);
  const { route } = input;
  const guard = activitiesOn<GuardrailActivities>('control', 'quick');
  const scope = prefixOfWorkflowQueue(workflowInfo().taskQueue);

  run.setPhase('classifying');
  await run.record('classified', 'incident-classified', input.initiator, {
    classification: route.classification,
    rule: route.rule,
    playbook: route.playbook,
    reason: route.reason,
  });
  if (route.reason !== undefined || route.workflowType === undefined) {
    return needsHuman(input, run, tracker, route.reason ?? 'no playbook for this incident');
  }
  // A fault that keeps coming back: running the playbook again would not hold either.
  const recurring = episode?.recurrenceReason();
  if (recurring) return needsHuman(input, run, tracker, recurring);

  // The kill switch is a persistent flag: an incident started while it is on waits like the rest.
  const flag = await run.step('guardrail:kill-switch', () => guard.readControlFlag(scope), {
    maxAttempts: 10,
  });
  run.applyControl(flag);

  const maxRuns = input.maxRuns ?? 3;
  let result: PlaybookResult | undefined;
  for (let n = 1; n <= maxRuns; n += 1) {
    if (run.status.alertResolved && !input.dryRun) {
      return run.close({
        outcome: 'resolved-before-action',
        summary: n === 1 ? 'the alert resolved before any recovery started' : (result?.summary ?? ''),
      });
    }
    if (!input.dryRun) {
      const gate = await automatedRecoveryAllowed(input, run, n, guard, scope, keyBase);
      if (gate) return gate;
    }
    tracker.mark();
    result = await runPlaybook(input, run, details, n, keyBase);
    run.setPhase('verifying');
    const verified = result.outcome === 'recovered';
    await run.record(`verify:run-${n}`, 'incident-verified', 'rebound', {
      outcome: result.outcome,
      alertResolved: run.status.alertResolved,
      repeats: tracker.repeats,
    });
    // A fault that fired again after this run started is queued on the same incident.
    if (!verified || input.dryRun || !tracker.newFaultSinceMark || run.status.alertResolved) break;
  }
  if (input.dryRun && result?.details && Array.isArray(result.details.plan)) {
    run.status.plan = result.details.plan as NonNullable<typeof run.status.plan>;
  }
  return run.close({
    outcome: result!.outcome,
    summary: result!.summary,
    details: { runs: details.runs, playbookResult: result!.details ?? {} },
  });
}

/** Budget and security guardrails; returns the closing result when the recovery may not run. */
async function automatedRecoveryAllowed(
  input: IncidentInput,
  run: PlaybookRun,
  n: number,
  guard: GuardrailActivities,
  scope: string,
  keyBase: string,
): Promise<PlaybookResult | undefined> {
  const { route } = input;
  const budget = await run.step(
    `guardrail:budget:run-${n}`,
    () =>
      guard.claimRecoveryBudget({
        scope,
        claimKey: playbookRunId(keyBase, n),
        incidentId: input.incidentId,
        max: input.budget.max,
        windowMs: parseDuration(input.budget.window),
      }),
    { maxAttempts: 10, summarize: (b) => `${b.granted ? 'granted' : 'exhausted'} (${b.used}/${b.max})` },
  );
  await run.record(
    `guardrail:budget:run-${n}`,
    budget.granted ? 'budget-granted' : 'budget-exceeded',
    'rebound',
    {
      ...budget,
      window: input.budget.window,
    },
  );
  const reasons: string[] = [];
  if (!budget.granted) {
    reasons.push(`the recovery budget (${input.budget.max} per ${input.budget.window}) is exhausted`);
  }
  if (route.classification.category === 'security') {
    reasons.push('security incidents always need approval');
  }
  if (reasons.length === 0) return undefined;
  const approval = await run.requestApproval({
    step: `guardrail:run-${n}`,
    question: `Run ${route.playbook} on ${route.resource}? ${reasons.join('; ')}`,
    policy: { ...route.approvalPolicy, required: true },
    onTimeout: 'escalate without running the playbook',
  });
  if (approval.outcome === 'approved') return undefined;
  await run.notify(
    `guardrail-escalated:run-${n}`,
    'critical',
    `${input.incidentId}: ${reasons.join('; ')}; not approved`,
  );
  return run.close({
    outcome: 'escalated',
    summary: `not run: ${reasons.join('; ')} (${approval.outcome})`,
  });
}

async function runPlaybook(
  input: IncidentInput,
  run: PlaybookRun,
  details: IncidentDetails,
  n: number,
  keyBase: string,
): Promise<PlaybookResult> {
  const { route } = input;
  const childId = playbookRunId(keyBase, n);
  const childInput: PlaybookInput<unknown> = {
    context: {
      resource: route.resource!,
      initiator: input.initiator,
      reason: input.reason,
      dryRun: input.dryRun,
      incidentId: input.incidentId,
      approvalPolicy: route.approvalPolicy,
      policyVersion: route.policyVersion,
      dryRunPlan: route.dryRunPlan,
    },
    params: route.params,
  };
  // Starting the recovery is the incident's mutating step: it waits while the kill switch is on,
  // and an alert that resolved during that wait means there is nothing left to recover.
  const child = await run.step(
    `start:run-${n}`,
    async () =>
      run.status.alertResolved
        ? undefined
        : startChild<(i: PlaybookInput<unknown>) => Promise<PlaybookResult>>(route.workflowType!, {
            workflowId: childId,
            args: [childInput],
            parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
            typedSearchAttributes: searchAttributesFor(route.playbook!, route.resource!, input.incidentId),
          }),
    { mutating: true, maxAttempts: 1, summarize: (c) => (c ? childId : 'not started: the alert resolved') },
  );
  if (!child) {
    return { outcome: 'resolved-before-action', summary: 'the alert resolved before the recovery started' };
  }
  details.runs.push({ workflowId: childId });
  details.activeRun = childId;
  // A pause that arrived while the child was being started is passed on.
  if (run.status.paused) {
    await child
      .signal(pauseSignal, {
        by: 'kill-switch',
        reason: 'paused while the run started',
        version: run.status.controlVersion,
      })
      .catch(() => undefined);
  }
  run.setPhase('running');
  run.status.currentStep = `playbook:run-${n}`;
  try {
    const result = await child.result();
    details.runs[details.runs.length - 1].outcome = result.outcome;
    return result;
  } catch (err) {
    if (isCancellation(err)) throw err;
    details.runs[details.runs.length - 1].outcome = 'failed';
    return { outcome: 'failed', summary: `playbook ${route.playbook} failed: ${describeError(err)}` };
  } finally {
    details.activeRun = undefined;
  }
}

function searchAttributesFor(playbook: string, resource: string, incidentId: string) {
  // Attributes exist only on servers started by `stack up`; the time-skipping server lacks them.
  if (workflowInfo().typedSearchAttributes.get(PlaybookAttr) === undefined) return undefined;
  return [
    { key: PlaybookAttr, value: playbook },
    { key: ResourceAttr, value: resource },
    { key: PhaseAttr, value: 'starting' },
    { key: IncidentKeyAttr, value: incidentId },
  ];
}

/** Unroutable alerts and unimplemented playbooks: a human takes over, the alert stays attached. */
async function needsHuman(
  input: IncidentInput,
  run: PlaybookRun,
  tracker: AlertTracker,
  reason: string,
): Promise<PlaybookResult> {
  run.setPhase('needs-human');
  await run.notify('needs-human', 'critical', `${input.incidentId} needs a human: ${reason}`);
  const resolved = await condition(
    () => run.status.alertResolved,
    parseDuration(input.needsHumanTimeout ?? '24h'),
  );
  return run.close({
    outcome: resolved ? 'resolved-before-action' : 'escalated',
    summary: resolved ? `alert resolved; it needed a human: ${reason}` : `needs a human: ${reason}`,
    details: { reason, alerts: tracker.alerts },
  });
}
