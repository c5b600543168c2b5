// outbox-replay playbook (seed 002 "event publishing failure" / "Kafka unavailable": the outbox,
// retry with back-off, replay): publishes what the outbox accumulated, in rounds of batches through
// the platform's relay, until it is drained. Kafka still down: each round retries with back-off;
// after its attempts the run escalates and the rows stay in the outbox for the next run (the
// schedule starts one every minute, skipping while one runs).
import type { OutboxReplayActivities } from '../activities/outbox/outbox-replay-activities';
import { type PlaybookInput } from '../shared/playbook-input';
import { type OutboxReplayParams, type ReplayRound } from '../shared/playbooks/outbox-replay';
import { type PlaybookResult } from '../shared/workflow-interface';
import { activitiesOn } from './lib/activity-presets';
import { describeError } from './lib/errors';
import { PlaybookRun } from './lib/playbook-run';
import { enforcedInput } from './lib/policy-check';

export async function outboxReplayWorkflow(
  input: PlaybookInput<OutboxReplayParams>,
): Promise<PlaybookResult> {
  const run = new PlaybookRun('outbox-replay', input.context);
  // The policy file's settings, not the starter's: a loosened input is refused here.
  input = await enforcedInput(run, 'outbox-replay', input);
  const { outbox, batchSize, maxRounds, roundSeconds } = input.params;
  const quick = activitiesOn<OutboxReplayActivities>('postgres', 'quick');
  const long = activitiesOn<OutboxReplayActivities>('kafka', 'long');

  const backlog = await run.step('measure-backlog', () => quick.measureOutboxBacklog({ outbox }), {
    summarize: (b) => `${b.unpublished} unpublished row(s) of ${b.aggregates} aggregate(s)`,
  });
  if (run.dryRun) {
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

  const totals = { rounds: 0, batches: 0, produced: 0, recovered: 0, remaining: backlog.unpublished };
  /** The highest outbox id the replay has published (progress only). */
  let lastId: string | null = null;
  run.setProgress({ ...totals, backlogAtStart: backlog.unpublished });
  for (let i = 1; i <= maxRounds; i++) {
    let round: ReplayRound;
    try {
      round = await run.step(
        `replay#${i}`,
        () => long.replayOutboxRound({ outbox, batchSize, roundSeconds }),
        {
          mutating: true,
          maxAttempts: 10,
          summarize: (r) => `${r.produced} produced, ${r.recovered} recovered, ${r.remaining} left`,
        },
      );
    } catch (err) {
      await run.notify(
        'kafka-unavailable',
        'critical',
        `outbox ${outbox}: replay failed: ${describeError(err)}`,
      );
      return run.close({
        outcome: 'escalated',
        summary: `replay failed after its retries; ${totals.remaining} row(s) stay in the outbox`,
        details: { ...totals, error: describeError(err) },
      });
    }
    totals.rounds = i;
    totals.batches += round.batches;
    totals.produced += round.produced;
    totals.recovered += round.recovered;
    totals.remaining = round.remaining;
    lastId = round.lastId ?? lastId; // a round that published nothing keeps the earlier one's
    run.setProgress({ ...totals, backlogAtStart: backlog.unpublished, lastId });
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
