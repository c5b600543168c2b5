// consumer-safe-mode-restart end to end: a real poison message crash-loops the real reference
// consumer process; the playbook, run by a real worker process (once through the client script,
// once with the worker SIGKILLed mid-playbook), quarantines exactly that message, moves the group
// past it, restarts the consumer in safe mode and then normal mode, and every event after the
// poison one lands in Postgres exactly once. Then a redrive of the fixed message processes it once.
import { type Client } from '@temporalio/client';
import { type Redis } from 'ioredis';
import { type Kafka } from 'kafkajs';
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type Pool } from 'pg';
import { readControl } from '../../../consumer/control-store';
import { readHealth } from '../../../consumer/health-store';
import { createKafkaGroupActivities } from '../../../activities/kafka/group-admin';
import { readWholeTopic } from '../../../activities/kafka/topic-reader';
import { connectClient } from '../../../client/temporal-client';
import { startPlaybook } from '../../../client/start-playbook';
import { loadConfig } from '../../../shared/config';
import { QUARANTINE_HEADERS, quarantineTopic } from '../../../shared/consumer-control';
import { REPO_ROOT } from '../../../shared/paths';
import { statusQuery, type PlaybookResult, type PlaybookStatus } from '../../../shared/workflow-interface';
import { createKafka, createPool, createRedis } from '../../../workers/clients';
import { gateOf, signDecision } from '../../support/decisions';
import { uniquePrefix } from '../../support/temporal-env';
import { startWorkerProcess, type WorkerProcess } from '../../support/worker-process';
import {
  createTopic,
  deleteTopics,
  notificationCounts,
  producePoisonedStream,
  uniqueNames,
  waitFor,
} from '../../integration/consumer/fixtures';
import {
  startNotificationConsumer,
  type ConsumerProcess,
} from '../../../platform/notifications/consumer-process';

const config = loadConfig();
let client: Client;
let kafka: Kafka;
let redis: Redis;
let pool: Pool;
const workers: WorkerProcess[] = [];
const consumers: ConsumerProcess[] = [];
const topics: string[] = [];
const BEFORE = 5;
const AFTER = 20;

beforeAll(async () => {
  client = await connectClient(config);
  kafka = createKafka(config, 'e2e-safe-mode');
  redis = createRedis(config, 'e2e-safe-mode');
  pool = createPool(config, 'platform', 2);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(consumers.map((c) => c.stop()));
  await Promise.allSettled(workers.map((w) => w.kill()));
  await deleteTopics(kafka, topics);
  await Promise.allSettled([pool.end(), redis.quit(), client?.connection.close()]);
});

async function crashLoopingConsumer(label: string) {
  const names = uniqueNames(label);
  topics.push(names.topic, quarantineTopic(names.topic));
  await createTopic(kafka, names.topic, 1);
  const stream = await producePoisonedStream(kafka, names.topic, names.orgId, BEFORE, AFTER);
  const consumer = await startNotificationConsumer(names.topic, names.group);
  consumers.push(consumer);
  const crashed = await waitFor('the consumer to crash on the poison message', async () => {
    const [h] = await readHealth(redis, names.group);
    return h?.state === 'crashed' && h.lastError ? h : undefined;
  });
  expect(crashed.lastError).toMatchObject({ partition: 0, offset: stream.poisonOffset });
  return { ...names, ...stream, consumer };
}

/** Polls until the first event after the poison message is in Postgres; resolves with that time. */
function whenProcessingResumes(orgId: string, firstAfter: string): Promise<number> {
  return waitFor(
    'processing past the poison message',
    async () => ((await notificationCounts(pool, orgId)).has(firstAfter) ? Date.now() : undefined),
    120_000,
    100,
  );
}

async function expectRecovered(s: Awaited<ReturnType<typeof crashLoopingConsumer>>) {
  // Exactly one quarantined copy, of exactly the poison message.
  const copies = await readWholeTopic(kafka, quarantineTopic(s.topic));
  expect(copies).toHaveLength(1);
  expect(copies[0].headers).toMatchObject({
    [QUARANTINE_HEADERS.topic]: s.topic,
    [QUARANTINE_HEADERS.partition]: '0',
    [QUARANTINE_HEADERS.offset]: s.poisonOffset,
    [QUARANTINE_HEADERS.key]: 'poison',
  });
  expect(copies[0].headers[QUARANTINE_HEADERS.error]).toMatch(/not JSON/);
  // Every good event once: none lost, none twice.
  const counts = await waitFor('all good events', async () => {
    const c = await notificationCounts(pool, s.orgId);
    return c.size === BEFORE + AFTER ? c : undefined;
  });
  expect([...counts.keys()].sort()).toEqual([...s.good, ...s.goodAfter].sort());
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  const snap = await createKafkaGroupActivities({ kafka }).snapshotGroup({ group: s.group, topic: s.topic });
  expect(snap.lagTotal).toBe(0);
  expect((await readControl(redis, s.group)).mode).toBe('normal');
}

/** The reference consumer's last group join, measured after normal mode was restored (a plain rebalance). */
async function rebalanceMs(group: string, afterVersion: number): Promise<number> {
  const h = await waitFor('a join in normal mode', async () => {
    const [r] = await readHealth(redis, group);
    return r &&
      r.mode === 'normal' &&
      r.controlVersion >= afterVersion &&
      r.state === 'running' &&
      r.lastJoinMs !== null
      ? r
      : undefined;
  });
  return h.lastJoinMs!;
}

function runClientScript(
  prefix: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      join(REPO_ROOT, 'node_modules/.bin/tsx'),
      [join(REPO_ROOT, 'scripts/run-playbook.ts'), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, REBOUND_TASK_QUEUE_PREFIX: prefix }, timeout: 180_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)])
      .toString()
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const params = (s: { group: string; topic: string }) => ({
  group: s.group,
  topic: s.topic,
  monitorFor: '6s',
  checkEvery: '2s',
  emptyTimeout: '60s',
});

let recovered: Awaited<ReturnType<typeof crashLoopingConsumer>> | undefined;
let recoveredPrefix = '';

test('the client script quarantines exactly the poison message and the consumer resumes exactly once', async () => {
  const prefix = uniquePrefix('e2e-csm');
  workers.push(await startWorkerProcess(prefix));
  const s = await crashLoopingConsumer('csm');
  const resumed = whenProcessingResumes(s.orgId, s.goodAfter[0]);
  const triggeredAt = Date.now();
  const run = await runClientScript(prefix, [
    'consumer-safe-mode-restart',
    '--resource',
    `group:${s.group}`,
    '--params',
    JSON.stringify(params(s)),
    '--initiator',
    'e2e',
    '--json',
  ]);
  expect(run.stderr).not.toMatch(/Error/);
  expect(run.code).toBe(0);
  const out = JSON.parse(run.stdout) as { result: PlaybookResult; status: PlaybookStatus };
  expect(out.result.outcome).toBe('recovered');
  expect(out.status.steps.map((x) => x.name)).toEqual([
    'snapshot-group',
    'read-control',
    'read-health',
    'stop#1',
    'wait-empty#1',
    'read-failing#1',
    'quarantine-watermark#1',
    `quarantine:${s.topic}:0:${s.poisonOffset}`,
    'move-offsets#1',
    'safe-mode#1',
    'monitor#1',
    'restore-normal',
  ]);
  const resumedAt = await resumed;
  await expectRecovered(s);
  const control = await readControl(redis, s.group);
  const rebalance = await rebalanceMs(s.group, control.version);
  console.log(
    `[figure] trigger → processing past the poison message: ${resumedAt - triggeredAt} ms; ` +
      `plain rebalance (join) of group ${s.group} in the same run: ${rebalance} ms; playbook total ${Date.now() - triggeredAt} ms`,
  );
  recovered = s;
  recoveredPrefix = prefix;
}, 240_000);

test('a worker SIGKILLed mid-playbook: one quarantine copy, nothing lost, nothing twice', async () => {
  const prefix = uniquePrefix('e2e-csm-kill');
  const first = await startWorkerProcess(prefix);
  workers.push(first);
  const s = await crashLoopingConsumer('csmk');
  const handle = await startPlaybook(client, {
    playbook: 'consumer-safe-mode-restart',
    params: params(s),
    context: { resource: `group:${s.group}`, initiator: 'e2e' },
    taskQueuePrefix: prefix,
  });
  // Kill the worker once the playbook has stopped the consumer and is reading/quarantining.
  await waitFor(
    'the playbook to reach the quarantine',
    async () => {
      const st = await handle.query(statusQuery);
      return st.steps.some((x) => x.name === 'read-failing#1') ? st : undefined;
    },
    90_000,
    50,
  );
  // tsx runs the worker in a child process: the crash must take that one down too.
  const workerPids = childPids(first.child.pid!);
  expect(workerPids.length).toBeGreaterThan(0);
  await first.kill('SIGKILL');
  await waitFor(
    'the killed worker to be gone',
    () => Promise.resolve(workerPids.every((pid) => !alive(pid))),
    10_000,
  );
  workers.push(await startWorkerProcess(prefix));
  const result = (await handle.result()) as PlaybookResult;
  expect(result.outcome).toBe('recovered');
  await expectRecovered(s);
  const history = await handle.fetchHistory();
  expect(history.events?.length).toBeGreaterThan(0);
}, 240_000);

test('a redrive of the approved, corrected quarantined message processes it once, even redriven twice', async () => {
  expect(recovered).toBeDefined();
  const s = recovered!;
  const fixedId = `${s.topic}#fixed`;
  const params = {
    topic: s.topic,
    messages: [
      {
        partition: 0,
        offset: s.poisonOffset!,
        replacementValue: JSON.stringify({ eventId: fixedId, orgId: s.orgId, type: 'member.invited' }),
      },
    ],
  };
  for (let round = 1; round <= 2; round++) {
    const handle = await startPlaybook(client, {
      playbook: 'quarantine-redrive',
      params,
      context: { resource: `topic:${s.topic}`, initiator: 'e2e' },
      taskQueuePrefix: recoveredPrefix,
    });
    const pending = await waitFor(
      'the redrive approval',
      async () => (await handle.query(statusQuery)).pendingApproval,
    );
    expect(pending.question).toContain(`${s.topic}:0:${s.poisonOffset}`);
    await handle.executeUpdate('approve', {
      args: [
        signDecision({
          ...(await gateOf(handle)),
          principal: 'alice',
          decision: 'approve',
        }),
      ],
    });
    const result = (await handle.result()) as PlaybookResult;
    expect(result.outcome).toBe('recovered');
    await waitFor(
      'the redriven event',
      async () => (await notificationCounts(pool, s.orgId)).get(fixedId) === 1,
    );
  }
  // The second redrive reached the consumer and was recognised as a duplicate.
  await waitFor('the duplicate to be seen', async () => {
    const [h] = await readHealth(redis, s.group);
    return h && h.duplicates >= 1;
  });
  const counts = await notificationCounts(pool, s.orgId);
  expect(counts.get(fixedId)).toBe(1);
  expect(counts.size).toBe(BEFORE + AFTER + 1);
}, 180_000);
