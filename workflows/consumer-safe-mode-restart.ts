// consumer-safe-mode-restart playbook (seed 001 scenario 4). Every step is durable:
//   snapshot the group → mode `stopped`, wait until the group is Empty (bounded; escalate if not)
//   → read the failing messages → copy each to `<topic>.quarantine` exactly once → commit past
//   them (setOffsets) → mode `safe` (skip list, parallelism 1, debug) → monitor → healthy and
//   progressing: mode `normal`, `recovered`; failed again: stop, escalate, and let a human choose
//   retry-safe-mode / quarantine-next / keep-stopped (timeout: keep-stopped, never destructive).
import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  patched,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { ConsumerControlActivities } from '../activities/consumer/control';
import type { GroupSnapshot, KafkaGroupActivities, OffsetMoveResult } from '../activities/kafka/group-admin';
import type { KafkaQuarantineActivities, QuarantinedMessage } from '../activities/kafka/quarantine';
import { messageRef, type ControlRecord, type HealthRecord } from '../shared/consumer-control';
import { parseDuration } from '../shared/duration';
import { ErrorTypes } from '../shared/errors';
import { type PlaybookInput } from '../shared/playbook-input';
import {
  SAFE_MODE_CHOICES,
  type ConsumerSafeModeRestartParams,
  type FailingRef,
  type MonitorVerdict,
  type SafeModeChoice,
} from '../shared/playbooks/consumer-safe-mode-restart';
import { type PlaybookResult } from '../shared/workflow-interface';
import { failuresSince, monitorSafeMode } from './consumer/safe-mode-monitor';
import { activitiesOn } from './lib/activity-presets';
import { errorType, describeError } from './lib/errors';
import { PlaybookRun, StepSkipped } from './lib/playbook-run';
import { enforcedInput } from './lib/policy-check';

const PLAYBOOK = 'consumer-safe-mode-restart';
const MAX_ROUNDS = 5;
const EMPTY_POLL_MS = 2_000;
/**
 * With no live instance reporting, health is read again this many times, this far apart, before
 * the run concludes there is no failing message. Health records live 10 s unless refreshed
 * (consumer/runtime.ts: written every 2 s): Redis back from an outage longer than that has none
 * until the instances write again, and the run read it at once and escalated a crash loop it
 * could have fixed ("reports no failing message", the chaos fast subset's Redis cell).
 */
const HEALTH_REREADS = 5;
const HEALTH_REREAD_MS = 3_000;
/** The `patched()` id under which an empty health read is read again (HEALTH_REREADS). */
export const HEALTH_REREAD_PATCH = 'csm-rereads-empty-health';
/**
 * How many times the offset move waits for the group to be Empty again when it finds a member.
 * An instance that restarts (after a crash back-off) with the control record it read before
 * `stopped` can join the group after the run saw it Empty, and leaves once it reads `stopped`;
 * the move, which Kafka refuses for an active group, used to fail the whole recovery on it.
 */
export const MOVE_REWAITS = 3;
/** The `patched()` id under which a move refused for a non-empty group waits for Empty again. */
export const MOVE_REWAITS_EMPTY_PATCH = 'csm-move-rewaits-empty';

/** Failing messages the group has not committed past yet (the ones blocking it). */
function blockingFailures(health: HealthRecord[], snapshot: GroupSnapshot): FailingRef[] {
  return failuresSince(health, snapshot.topic, 0).filter((f) => {
    const p = snapshot.partitions.find((x) => x.partition === f.partition);
    const committed = p?.committed ?? p?.low ?? '0';
    return BigInt(committed) <= BigInt(f.offset);
  });
}

export async function consumerSafeModeRestartWorkflow(
  input: PlaybookInput<ConsumerSafeModeRestartParams>,
): Promise<PlaybookResult> {
  const run = new PlaybookRun(PLAYBOOK, input.context);
  // The policy file's settings, not the starter's: a loosened input is refused here.
  input = await enforcedInput(run, PLAYBOOK, input);
  const { group, topic } = input.params;
  const kafka = activitiesOn<KafkaGroupActivities>('kafka', 'quick');
  const reader = activitiesOn<KafkaQuarantineActivities>('kafka', 'long');
  const control = activitiesOn<ConsumerControlActivities>('redis', 'quick');
  const info = workflowInfo();
  // Stable across retries, replays and worker crashes of this run: the quarantine dedup key.
  const incidentId = input.context.incidentId ?? `${info.workflowId}@${info.runId}`;
  const by = `rebound:${info.workflowId}`;

  const before = await run.step('snapshot-group', () => kafka.snapshotGroup({ group, topic }), {
    summarize: (s) => `${s.state}, ${s.members.length} member(s), lag ${s.lagTotal}`,
  });
  const original = await run.step('read-control', () => control.readConsumerControl({ group }), {
    summarize: (c) => `mode ${c.mode} v${c.version}`,
  });
  const readHealth = (step: string) =>
    run.step(step, () => control.readConsumerHealth({ group }), {
      summarize: (h) => `${h.length} live instance(s)`,
    });
  let health = await readHealth('read-health');
  if (health.length === 0 && patched(HEALTH_REREAD_PATCH)) {
    for (let i = 2; i <= HEALTH_REREADS + 1 && health.length === 0; i++) {
      await sleep(HEALTH_REREAD_MS);
      health = await readHealth(`read-health#${i}`);
    }
  }
  let failing = blockingFailures(health, before);
  const quarantined: QuarantinedMessage[] = [];
  const moves: OffsetMoveResult[] = [];
  const verdicts: MonitorVerdict[] = [];
  const skip = new Set(original.skip);
  const details = () => ({ incidentId, before, quarantined, moves, verdicts, skip: [...skip] });
  const setMode = (name: string, mode: ControlRecord['mode']) =>
    run.step(
      name,
      () =>
        control.setConsumerControl({
          group,
          by,
          change: {
            mode,
            skip: [...skip],
            maxParallelism: original.maxParallelism,
            debug: mode === 'safe',
          },
        }),
      { mutating: true, summarize: (c) => `mode ${c.mode} v${c.version}` },
    );

  if (failing.length === 0) {
    const healthy = health.some((h) => h.state === 'running' && h.mode !== 'stopped');
    if (healthy && before.lagTotal === 0) {
      return run.close({
        outcome: 'resolved-before-action',
        summary: `${group} is running with no lag and reports no failing message`,
        details: details(),
      });
    }
    await run.notify(
      'no-failing-message',
      'critical',
      `${group}: down but reports no failing message; needs a human`,
    );
    return run.close({
      outcome: 'escalated',
      summary: `${group} reports no failing message on ${topic}: nothing to quarantine`,
      details: details(),
    });
  }

  if (run.dryRun) {
    const messages = await run.step('read-failing', () =>
      reader.readMessagesAt({
        topic,
        refs: failing.map((f) => ({ partition: f.partition, offset: f.offset })),
      }),
    );
    run.plan({
      step: 'stop',
      action: `set ${group} to mode stopped and wait until the group is Empty`,
      destructive: false,
    });
    run.plan({
      step: 'quarantine',
      action: `copy ${messages.length} message(s) to ${topic}.quarantine`,
      destructive: false,
      details: { messages: messages.map((m) => ({ partition: m.partition, offset: m.offset, key: m.key })) },
    });
    run.plan({
      step: 'move-offsets',
      action: `commit ${group} past the failing offsets`,
      destructive: true,
      details: {
        offsets: failing.map((f) => ({
          partition: f.partition,
          from: before.partitions.find((p) => p.partition === f.partition)?.committed ?? null,
          to: (BigInt(f.offset) + 1n).toString(),
        })),
      },
    });
    run.plan({
      step: 'safe-mode',
      action: 'mode safe: skip list, parallelism 1, debug logging',
      destructive: false,
    });
    run.plan({
      step: 'monitor',
      action: `check health every ${input.params.checkEvery} for ${input.params.monitorFor}, then mode normal`,
      destructive: false,
    });
    return run.close({
      outcome: 'recovered',
      summary: `dry run: would quarantine ${failing.length} message(s)`,
      details: { plan: run.status.plan, ...details() },
    });
  }

  try {
    for (let round = 1; ; round++) {
      if (failing.length > 0) await quarantineAndSkip(round, failing);
      const safe = await setMode(`safe-mode#${round}`, 'safe');
      const verdict = await run.step(
        `monitor#${round}`,
        () =>
          monitorSafeMode({
            group,
            topic,
            version: safe.version,
            monitorForMs: parseDuration(input.params.monitorFor),
            checkEveryMs: parseDuration(input.params.checkEvery),
            control,
            kafka,
          }),
        {
          maxAttempts: 1,
          summarize: (v) => `${v.healthy ? 'healthy' : 'unhealthy'} after ${v.checks} check(s): ${v.reason}`,
        },
      );
      run.setPhase('running');
      verdicts.push(verdict);
      if (verdict.healthy) {
        await setMode('restore-normal', 'normal');
        return run.close({
          outcome: 'recovered',
          summary: `${group} processing again past ${quarantined.length} quarantined message(s)`,
          details: details(),
        });
      }

      await setMode(`stop-after-failure#${round}`, 'stopped');
      await run.notify(
        `safe-mode-failed#${round}`,
        'critical',
        `${group}: safe mode failed (${verdict.reason}); consumer stopped, decision needed`,
      );
      if (round >= MAX_ROUNDS) {
        return run.close({
          outcome: 'escalated',
          summary: `${group} still failing after ${round} rounds; left stopped`,
          details: details(),
        });
      }
      const decision = await run.requestApproval({
        step: `decide#${round}`,
        question: `${group} failed again in safe mode (${verdict.reason}). Retry safe mode, quarantine the next failing message too, or keep the consumer stopped?`,
        choices: [...SAFE_MODE_CHOICES],
        policy: input.context.approvalPolicy,
        onTimeout: 'keep-stopped',
      });
      const choice: SafeModeChoice =
        decision.outcome === 'approved' ? (decision.choice as SafeModeChoice) : 'keep-stopped';
      if (choice === 'keep-stopped') {
        return run.close({
          outcome: 'escalated',
          summary: `${group} kept stopped (${decision.outcome === 'approved' ? 'chosen' : decision.outcome}) after safe mode failed: ${verdict.reason}`,
          details: { ...details(), decision: decision.outcome },
        });
      }
      failing = choice === 'quarantine-next' ? verdict.newFailures : [];
    }
  } catch (err) {
    // An operator cancelled the recovery: never leave the group stopped or in safe mode behind
    // them. It goes back to the mode it had before (normal when it had been stopped), keeping the
    // skip list, so a message already quarantined stays skipped.
    if (isCancellation(err) && patched('restore-mode-on-cancel')) {
      const mode = original.mode === 'stopped' ? 'normal' : original.mode;
      await CancellationScope.nonCancellable(() => setMode('restore-after-cancel', mode));
      return run.close({
        outcome: 'cancelled',
        summary: `cancelled by an operator; ${group} set back to ${mode} mode`,
        details: details(),
      });
    }
    if (err instanceof StepSkipped) {
      await setMode('restore-after-resolve', original.mode === 'stopped' ? 'normal' : original.mode);
      return run.close({
        outcome: 'resolved-before-action',
        summary: `alert resolved before ${err.step}`,
        details: details(),
      });
    }
    const needsHuman = errorType(err) === ErrorTypes.NeedsHuman;
    await run.notify('failed', 'critical', `${group}: ${describeError(err)}`);
    return run.close({
      outcome: needsHuman ? 'escalated' : 'failed',
      summary: describeError(err),
      details: details(),
    });
  }

  async function quarantineAndSkip(round: number, refs: FailingRef[]): Promise<void> {
    await setMode(`stop#${round}`, 'stopped');
    await waitUntilEmptyStep(`wait-empty#${round}`);
    const messages = await run.step(
      `read-failing#${round}`,
      () =>
        reader.readMessagesAt({
          topic,
          refs: refs.map((f) => ({ partition: f.partition, offset: f.offset })),
        }),
      { summarize: (m) => `${m.length} message(s) read` },
    );
    // Where this round's copies can begin in the quarantine topic: each quarantine step below
    // looks for an earlier attempt's copy only from here, so its cost does not grow with the
    // quarantine topic's size.
    const scanFrom = patched('quarantine-scan-from-watermark')
      ? await run.step(`quarantine-watermark#${round}`, () => reader.quarantineWatermark({ topic }), {
          summarize: (w) => w.map((p) => `p${p.partition}@${p.offset}`).join(', '),
        })
      : undefined;
    for (const message of messages) {
      const ref = messageRef(topic, message.partition, message.offset);
      const error =
        refs.find((f) => f.partition === message.partition && f.offset === message.offset)?.error ?? '';
      const result = await run.step(
        `quarantine:${ref}`,
        () => reader.quarantineMessage({ incidentId, message, error, scanFrom }),
        {
          mutating: true,
          summarize: (r) => `${r.produced ? 'copied' : 'already copied'} to offset ${r.copy.offset}`,
        },
      );
      quarantined.push(result.copy);
      skip.add(ref);
    }
    moves.push(...(await moveOffsetsOnceEmpty(round, refs)));
  }

  // Commits past the failing messages. A member found in the group (GroupNotEmpty) is waited out
  // like the first time, up to MOVE_REWAITS times; a group that keeps getting members needs a human.
  async function moveOffsetsOnceEmpty(round: number, refs: FailingRef[]): Promise<OffsetMoveResult[]> {
    for (let wait = 1; ; wait++) {
      const suffix = wait === 1 ? '' : `.${wait}`;
      try {
        return await run.step(
          `move-offsets#${round}${suffix}`,
          () =>
            kafka.setGroupOffsets({
              group,
              topic,
              moves: refs.map((f) => ({
                partition: f.partition,
                offset: (BigInt(f.offset) + 1n).toString(),
              })),
            }),
          {
            destructive: true,
            summarize: (r) => r.map((m) => `p${m.partition} ${m.from ?? '-'}→${m.to}`).join(', '),
          },
        );
      } catch (err) {
        if (errorType(err) !== ErrorTypes.GroupNotEmpty || !patched(MOVE_REWAITS_EMPTY_PATCH)) throw err;
        if (wait > MOVE_REWAITS) {
          throw ApplicationFailure.nonRetryable(
            `${group} got members again ${wait} times while its offsets were to move: ${describeError(err)}`,
            ErrorTypes.NeedsHuman,
          );
        }
        await waitUntilEmptyStep(`wait-empty#${round}.${wait + 1}`);
      }
    }
  }

  // One attempt: waitUntilEmpty polls by itself and ends in NeedsHuman at its deadline.
  function waitUntilEmptyStep(step: string): Promise<GroupSnapshot> {
    return run.step(step, () => waitUntilEmpty(), { maxAttempts: 1, summarize: (s) => `group ${s.state}` });
  }

  // Members leave within a session timeout once they see `stopped`; one that never does is not
  // under our control, and moving offsets under it would be unsafe: a human must look.
  async function waitUntilEmpty(): Promise<GroupSnapshot> {
    const deadline = Date.now() + parseDuration(input.params.emptyTimeout);
    let last = 'unknown';
    for (;;) {
      try {
        const s = await kafka.snapshotGroup({ group, topic });
        if (s.state === 'Empty' || s.state === 'Dead') return s;
        last = `${s.members.length} member(s) still in state ${s.state}`;
      } catch (err) {
        last = `group unreadable: ${describeError(err)}`;
      }
      if (Date.now() >= deadline) {
        throw ApplicationFailure.nonRetryable(
          `${group} did not become Empty within ${input.params.emptyTimeout}: ${last}`,
          ErrorTypes.NeedsHuman,
        );
      }
      await sleep(EMPTY_POLL_MS);
    }
  }
}
