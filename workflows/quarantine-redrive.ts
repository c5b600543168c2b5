// quarantine-redrive playbook (seed 002 "manual inspection, fix and replay"): list what a topic's
// quarantine holds, ask a human to approve republishing the chosen messages (optionally with a
// corrected payload), then republish each to its original partition, idempotently per run. The
// consumer's eventId dedup makes even a second redrive of the same event harmless.
import { workflowInfo } from '@temporalio/workflow';
import type { KafkaQuarantineActivities, QuarantinedMessage } from '../activities/kafka/quarantine';
import type { KafkaRedriveActivities, RedriveResult } from '../activities/kafka/redrive';
import { messageRef } from '../shared/consumer-control';
import { type PlaybookInput } from '../shared/playbook-input';
import { type QuarantineRedriveParams } from '../shared/playbooks/quarantine-redrive';
import { type PlaybookResult } from '../shared/workflow-interface';
import { activitiesOn } from './lib/activity-presets';
import { PlaybookRun } from './lib/playbook-run';
import { enforcedInput } from './lib/policy-check';

interface Selected {
  copy: QuarantinedMessage;
  replacementValue?: string;
}

/** The newest quarantined copy of each wanted original message; missing ones are reported. */
function select(
  copies: QuarantinedMessage[],
  params: QuarantineRedriveParams,
): { selected: Selected[]; missing: string[] } {
  const inScope = copies.filter((c) => !params.incidentId || c.incidentId === params.incidentId);
  const latest = new Map<string, QuarantinedMessage>();
  for (const c of inScope) latest.set(`${c.original.partition}:${c.original.offset}`, c);
  if (!params.messages) return { selected: [...latest.values()].map((copy) => ({ copy })), missing: [] };
  const selected: Selected[] = [];
  const missing: string[] = [];
  for (const m of params.messages) {
    const copy = latest.get(`${m.partition}:${m.offset}`);
    if (copy) selected.push({ copy, replacementValue: m.replacementValue });
    else missing.push(messageRef(params.topic, m.partition, m.offset));
  }
  return { selected, missing };
}

export async function quarantineRedriveWorkflow(
  input: PlaybookInput<QuarantineRedriveParams>,
): Promise<PlaybookResult> {
  const run = new PlaybookRun('quarantine-redrive', input.context);
  // The policy file's settings, not the starter's: a loosened input is refused here.
  input = await enforcedInput(run, 'quarantine-redrive', input);
  const { topic } = input.params;
  const lister = activitiesOn<KafkaQuarantineActivities>('kafka', 'long');
  const redrive = activitiesOn<KafkaRedriveActivities>('kafka', 'quick');
  const info = workflowInfo();

  const copies = await run.step('list-quarantine', () => lister.listQuarantine({ topic }), {
    summarize: (c) => `${c.length} quarantined message(s)`,
  });
  const { selected, missing } = select(copies, input.params);
  const refs = selected.map((s) => messageRef(topic, s.copy.original.partition, s.copy.original.offset));
  const listing = { quarantined: copies.length, selected: refs, missing };
  if (missing.length > 0) {
    return run.close({
      outcome: 'failed',
      summary: `not in quarantine: ${missing.join(', ')}`,
      details: listing,
    });
  }
  if (selected.length === 0) {
    return run.close({ outcome: 'recovered', summary: `nothing to redrive for ${topic}`, details: listing });
  }
  if (run.dryRun) {
    for (const s of selected) {
      run.plan({
        step: `redrive:${messageRef(topic, s.copy.original.partition, s.copy.original.offset)}`,
        action: `republish quarantine offset ${s.copy.offset} to ${topic} partition ${s.copy.original.partition}${s.replacementValue !== undefined ? ' with a corrected value' : ''}`,
        destructive: false,
      });
    }
    return run.close({
      outcome: 'recovered',
      summary: `dry run: would redrive ${selected.length} message(s)`,
      details: { plan: run.status.plan, ...listing },
    });
  }

  if (input.context.approvalPolicy.required) {
    const decision = await run.requestApproval({
      step: 'approve-redrive',
      question: `Republish ${selected.length} quarantined message(s) to ${topic}: ${refs.join(', ')}?`,
      policy: input.context.approvalPolicy,
      onTimeout: 'redrive nothing',
      // What exactly is republished is part of the digest the approver signs.
      plan: selected.map((s) => ({
        step: `redrive:${messageRef(topic, s.copy.original.partition, s.copy.original.offset)}`,
        action: `republish quarantine offset ${s.copy.offset} to ${topic} partition ${s.copy.original.partition}${s.replacementValue !== undefined ? ' with a corrected value' : ''}`,
        destructive: false,
      })),
      dryRunPlan: input.context.dryRunPlan,
    });
    if (decision.outcome !== 'approved') {
      return run.close({
        outcome: 'cancelled',
        summary: `redrive ${decision.outcome}: nothing republished`,
        details: listing,
      });
    }
  }

  const results: RedriveResult[] = [];
  for (const s of selected) {
    const ref = messageRef(topic, s.copy.original.partition, s.copy.original.offset);
    results.push(
      await run.step(
        `redrive:${ref}`,
        () =>
          redrive.redriveMessage({
            redriveKey: `${info.workflowId}@${info.runId}:${s.copy.partition}:${s.copy.offset}`,
            copy: s.copy,
            replacementValue: s.replacementValue,
            by: input.context.initiator,
          }),
        {
          mutating: true,
          summarize: (r) =>
            `${r.produced ? 'republished' : 'already republished'} at ${r.partition}:${r.offset}`,
        },
      ),
    );
  }
  return run.close({
    outcome: 'recovered',
    summary: `republished ${results.length} message(s) to ${topic}`,
    details: { ...listing, results },
  });
}
