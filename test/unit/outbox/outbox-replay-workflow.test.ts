// The outbox-replay workflow on the time-skipping server, with faked activities: the first round
// measures the backlog itself (no step of its own before the replay's first batch), later rounds do
// not measure again, a first round that fails for good still reports how many rows stay (or says it
// could not count them), and a dry run only measures and plans.
import {
  emptyReplayRound,
  type OutboxBacklog,
  type ReplayRound,
} from '../../../shared/playbooks/outbox-replay';
import { workflowTaskQueue } from '../../../shared/task-queues';
import { statusQuery, type PlaybookResult, type PlaybookStatus } from '../../../shared/workflow-interface';
import { createFakeWorkers } from '../../support/fake-workers';
import { timeSkippingEnvForFile, uniquePrefix } from '../../support/temporal-env';
import { testContext } from '../../support/playbook-context';

const env = timeSkippingEnvForFile();

const backlog = (unpublished: number): OutboxBacklog => ({
  unpublished,
  withIntent: 2,
  aggregates: 7,
  topics: [{ topic: 'platform.notifications', rows: unpublished, oldest: '2026-11-30T00:00:00.000Z' }],
});
const round = (r: Partial<ReplayRound>): ReplayRound => ({ ...emptyReplayRound(), batches: 1, ...r });

interface Fakes {
  /** What each replayOutboxRound call returns or throws, in order (the last one repeats). */
  rounds: (ReplayRound | Error)[];
  /** What measureOutboxBacklog returns or throws. */
  measured: OutboxBacklog | Error;
}

async function run(f: Fakes, dryRun = false) {
  const calls: { name: string; args: Record<string, unknown> }[] = [];
  const notices: string[] = [];
  let n = 0;
  const prefix = uniquePrefix('outbox-replay');
  const workers = await createFakeWorkers(env(), prefix, {
    control: {
      recordAudit: () => Promise.resolve({ written: true }),
      notify: (x: { message: string }) => {
        notices.push(x.message);
        return Promise.resolve({ sent: true });
      },
    },
    postgres: {
      measureOutboxBacklog: (args: Record<string, unknown>) => {
        calls.push({ name: 'measureOutboxBacklog', args });
        return f.measured instanceof Error ? Promise.reject(f.measured) : Promise.resolve(f.measured);
      },
    },
    kafka: {
      replayOutboxRound: (args: Record<string, unknown>) => {
        calls.push({ name: 'replayOutboxRound', args });
        const r = f.rounds[Math.min(n++, f.rounds.length - 1)];
        return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
      },
    },
  });
  return workers.run(async () => {
    const handle = await env().client.workflow.start('outboxReplayWorkflow', {
      taskQueue: workflowTaskQueue(prefix),
      workflowId: `${prefix}-wf`,
      args: [
        {
          context: testContext('outbox:platform', { dryRun, required: false }),
          params: { outbox: 'platform', batchSize: 500, maxRounds: 3, roundSeconds: 60 },
        },
      ],
    });
    const result = (await handle.result()) as PlaybookResult;
    const status: PlaybookStatus = await handle.query(statusQuery);
    return { result, status, calls, notices };
  });
}

test('the first round measures the backlog while it connects; no step of its own comes first', async () => {
  const { result, status, calls } = await run({
    rounds: [
      round({ produced: 600, remaining: 400, backlogAtStart: backlog(1000), lastId: '600' }),
      round({ produced: 400, remaining: 0, lastId: '1000' }),
    ],
    measured: new Error('not to be called'),
  });
  expect(result.outcome).toBe('recovered');
  expect(calls.map((c) => c.name)).toEqual(['replayOutboxRound', 'replayOutboxRound']);
  expect(calls[0].args).toMatchObject({ measure: true });
  expect(calls[1].args).not.toHaveProperty('measure');
  expect(result.details).toMatchObject({ produced: 1000, remaining: 0, backlogAtStart: 1000, rounds: 2 });
  expect(status.steps.map((s) => s.name)).not.toContain('measure-backlog');
  expect(status.steps.find((s) => s.name === 'replay#1')?.summary).toBe(
    '600 produced, 0 recovered, 400 left (at start: 1000 unpublished row(s) of 7 aggregate(s))',
  );
}, 120_000);

test('a first round that fails for good: the rows left are measured once for the report', async () => {
  const { result, calls, notices } = await run({
    rounds: [new Error('KafkaJSConnectionError: broker down')],
    measured: backlog(77),
  });
  expect(result.outcome).toBe('escalated');
  expect(result.summary).toBe('replay failed after its retries; 77 row(s) stay in the outbox');
  expect(calls.filter((c) => c.name === 'measureOutboxBacklog')).toHaveLength(1);
  expect(calls.filter((c) => c.name === 'replayOutboxRound').every((c) => c.args.measure === true)).toBe(
    true,
  );
  expect(notices[0]).toMatch(/^outbox platform: replay failed: /);
}, 300_000);

test('the database down too: the report says the rows stay, without a count', async () => {
  const { result } = await run({
    rounds: [new Error('KafkaJSConnectionError: broker down')],
    measured: new Error('connect ECONNREFUSED'),
  });
  expect(result.outcome).toBe('escalated');
  expect(result.summary).toBe('replay failed after its retries; the unpublished rows stay in the outbox');
  expect(result.details).toMatchObject({ remaining: null, backlogAtStart: null });
}, 300_000);

test('a dry run measures and plans, and replays nothing', async () => {
  const { result, calls } = await run(
    { rounds: [new Error('not to be called')], measured: backlog(42) },
    true,
  );
  expect(result.outcome).toBe('recovered');
  expect(result.summary).toBe('dry run: would replay 42 row(s)');
  expect(calls.map((c) => c.name)).toEqual(['measureOutboxBacklog']);
}, 120_000);
