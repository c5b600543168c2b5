// outbox-replay playbook (seed 002 "event publishing failure" / "Kafka unavailable": the outbox,
// retry with back-off, replay): publishes what the outbox accumulated, in rounds of batches through
// the platform's relay, until it is drained. Kafka still down: each round retries with back-off;
// after its attempts the run escalates and the rows stay in the outbox for the next run (the
// schedule starts one every minute, skipping while one runs).
import { patched } from '@temporalio/workflow';
import type { OutboxReplayActivities } from '../activities/outbox/outbox-replay-activities';
import { type PlaybookInput } from '../shared/playbook-input';
import { type OutboxReplayParams, type ReplayRound } from '../shared/playbooks/outbox-replay';
import { type PlaybookResult } from '../shared/workflow-interface';
import { activitiesOn } from './lib/activity-presets';
import { describeError } from './lib/errors';
import { PlaybookRun } from './lib/playbook-run';
import { enforcedInput } from './lib/policy-check';

/** The `patched()` id under which the first replay round measures the backlog itself. */
export const MEASURE_IN_FIRST_ROUND_PATCH = 'outbox-replay-measures-in-first-round';

export async function outboxReplayWorkflow(
  input: PlaybookInput<OutboxReplayParams>,
): Promise<PlaybookResult> {
  const run = new PlaybookRun('outbox-replay', input.context);
  // The policy file's settings, not the starter's: a loosened input is refused here.
  input = await enforcedInput(run, 'outbox-replay', input);
  const { outbox, batchSize, maxRounds, roundSeconds } = input.params;
  const quick = activitiesOn<OutboxReplayActivities>('postgres', 'quick');
  const long = activitiesOn<OutboxReplayActivities>('kafka', 'long');

  const measure = (maxAttempts?: number) =>
    run.step('measure-backlog', () => quick.measureOutboxBacklog({ outbox }), {
      maxAttempts,
      summarize: (b) => `${b.unpublished} unpublished row(s) of ${b.aggregates} aggregate(s)`,
    });
  if (run.dryRun) {
    const backlog = await measure();
    for (const t of backlog.topics) {
      run.plan({
        step: `replay:${t.topic}`,
        action: `publish ${t.rows} outbox row(s) to ${t.topic} (oldest ${t.oldest}) in batches of ${batchSize}, acks -1`,
        destructive: false,
        details: { ...t },
      });
    }
    if (backlog.withIntent > 0) {
      run.plan({
        step: 'recover-intents',
        action: `look for ${backlog.withIntent} row(s) an earlier attempt may have produced on their topic before producing them`,
        destructive: false,
      });
    }
    return run.close({
      outcome: 'recovered',
      summary: `dry run: would replay ${backlog.unpublished} row(s)`,
      details: { plan: run.status.plan, backlog },
    });
  }

  // The first round measures the backlog itself, while it connects to Kafka. Runs recorded before
  // that measured it in a step of their own first, and replay so.
  const backlogAtStart = patched(MEASURE_IN_FIRST_ROUND_PATCH) ? undefined : (await measure()).unpublished;
  const totals = {
    rounds: 0,
    batches: 0,
    produced: 0,
    recovered: 0,
    /** Unpublished rows left (null until the first round or the measure step said). */
    remaining: backlogAtStart ?? (null as number | null),
    backlogAtStart: backlogAtStart ?? (null as number | null),
  };
  /** The highest outbox id the replay has published (progress only). */
  let lastId: string | null = null;
  run.setProgress({ ...totals });
  for (let i = 1; i <= maxRounds; i++) {
    let round: ReplayRound;
    try {
      round = await run.step(
        `replay#${i}`,
        () =>
          long.replayOutboxRound({
            outbox,
            batchSize,
            roundSeconds,
            ...(totals.backlogAtStart === null ? { measure: true } : {}),
          }),
        {
          mutating: true,
          maxAttempts: 10,
          summarize: (r) =>
            `${r.produced} produced, ${r.recovered} recovered, ${r.remaining} left` +
            (r.backlogAtStart
              ? ` (at start: ${r.backlogAtStart.unpublished} unpublished row(s) of ${r.backlogAtStart.aggregates} aggregate(s))`
              : ''),
        },
      );
    } catch (err) {
      await run.notify(
        'kafka-unavailable',
        'critical',
        `outbox ${outbox}: replay failed: ${describeError(err)}`,
      );
      // The first round failed before saying what it left: measured once for the report, if the
      // database answers.
      totals.remaining ??= await measure(1).then(
        (b) => b.unpublished,
        () => null,
      );
      const left = totals.remaining === null ? 'the unpublished rows' : `${totals.remaining} row(s)`;
      return run.close({
        outcome: 'escalated',
        summary: `replay failed after its retries; ${left} stay in the outbox`,
        details: { ...totals, error: describeError(err) },
      });
    }
    totals.rounds = i;
    totals.batches += round.batches;
    totals.produced += round.produced;
    totals.recovered += round.recovered;
    totals.remaining = round.remaining;
    totals.backlogAtStart ??= round.backlogAtStart?.unpublished ?? null;
    lastId = round.lastId ?? lastId; // a round that published nothing keeps the earlier one's
    run.setProgress({ ...totals, lastId });
    if (round.remaining === 0) {
      return run.close({
        outcome: 'recovered',
        summary: `outbox ${outbox} drained: ${totals.produced} produced, ${totals.recovered} found already on their topic`,
        details: { ...totals },
      });
    }
    // Only rows held by another relay (or newly written ones) are left: that relay publishes them.
    if (round.produced + round.recovered === 0 && round.busy > 0) {
      return run.close({
        outcome: 'recovered',
        summary: `${totals.produced} produced; the ${totals.remaining} row(s) left are being published by another relay`,
        details: { ...totals },
      });
    }
  }
  await run.notify(
    'backlog-persists',
    'warning',
    `outbox ${outbox}: ${totals.remaining} row(s) left after ${maxRounds} rounds`,
  );
  return run.close({
    outcome: 'escalated',
    summary: `${totals.produced} produced; ${totals.remaining} row(s) still unpublished after ${totals.rounds} round(s)`,
    details: { ...totals },
  });
}
