// The consumer runtime services embed around a kafkajs consumer. It
// - handles each message with up to `maxAttempts` tries, idempotently by event id (processed_events),
//   and commits the message's offset only after it succeeded or was deliberately skipped;
// - obeys the group's control record in Redis (normal / stopped / safe, skip list, parallelism,
//   debug), reacting to its pub/sub channel within a second and polling as a fallback;
// - reports its health to Redis with an expiry;
// - on a message that keeps failing, halts: nothing after it is committed, the consumer leaves
//   the group, the failing offset is reported, and it starts again after a back-off — the crash
//   loop an operator (or Rebound) has to break.
import { type Redis } from 'ioredis';
import { type Consumer, type Kafka, type KafkaMessage } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { type Pool, type PoolClient } from 'pg';
import {
  controlChannel,
  messageRef,
  type ConsumerState,
  type ControlRecord,
  type FailedMessage,
  type HealthRecord,
} from '../shared/consumer-control';
import { readControl } from './control-store';
import { processOnce } from './dedup';
import { removeHealth, writeHealth } from './health-store';

export interface IncomingMessage {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

export interface MessageHandler {
  /** The event id used for deduplication; throws on a message that cannot be understood. */
  eventId(msg: IncomingMessage): string;
  /** Applies the event inside the dedup transaction. */
  handle(msg: IncomingMessage, tx: PoolClient): Promise<void>;
}

export interface ConsumerRuntimeOptions {
  kafka: Kafka;
  redis: Redis;
  /** A second connection for pub/sub (a subscribed ioredis connection cannot run commands). */
  subscriber: Redis;
  pool: Pool;
  group: string;
  topic: string;
  handler: MessageHandler;
  maxAttempts?: number;
  retryBackoffMs?: number;
  /** Pause before starting again after halting on a failing message. */
  crashBackoffMs?: number;
  healthEveryMs?: number;
  healthTtlMs?: number;
  controlPollMs?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ConsumerRuntime {
  readonly instanceId = randomUUID();
  private control: ControlRecord | undefined;
  private consumer: Consumer | undefined;
  private runningMode: ControlRecord['mode'] | undefined;
  private runningParallelism = 0;
  private halted = false;
  private crashTimer: NodeJS.Timeout | undefined;
  private crashedAtVersion: number | undefined;
  private timers: NodeJS.Timeout[] = [];
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly health: HealthRecord;
  private readonly o: Required<Omit<ConsumerRuntimeOptions, 'log'>> & { log: (line: string) => void };

  constructor(opts: ConsumerRuntimeOptions) {
    this.o = {
      maxAttempts: 3,
      retryBackoffMs: 200,
      crashBackoffMs: 5_000,
      healthEveryMs: 2_000,
      healthTtlMs: 10_000,
      controlPollMs: 2_000,
      log: (line) => console.log(`[consumer ${opts.group}] ${line}`),
      ...opts,
    };
    this.health = {
      instanceId: this.instanceId,
      group: opts.group,
      pid: process.pid,
      state: 'starting',
      mode: 'normal',
      controlVersion: 0,
      memberId: null,
      processed: 0,
      skipped: 0,
      duplicates: 0,
      committed: {},
      lastError: null,
      crashes: 0,
      lastJoinMs: null,
      heartbeatAt: new Date().toISOString(),
    };
  }

  get state(): ConsumerState {
    return this.health.state;
  }

  snapshot(): HealthRecord {
    return { ...this.health, committed: { ...this.health.committed } };
  }

  async start(): Promise<void> {
    const channel = controlChannel(this.o.group);
    this.o.subscriber.on('message', (ch: string) => {
      if (ch === channel) this.refreshControl();
    });
    await this.o.subscriber.subscribe(channel);
    this.control = await readControl(this.o.redis, this.o.group);
    await this.enqueue(() => this.reconcile());
    this.timers.push(setInterval(() => this.refreshControl(), this.o.controlPollMs));
    this.timers.push(setInterval(() => void this.reportHealth(), this.o.healthEveryMs));
  }

  /** Leaves the group and removes this instance's health record. */
  async close(): Promise<void> {
    this.closed = true;
    this.timers.forEach((t) => clearInterval(t));
    if (this.crashTimer) clearTimeout(this.crashTimer);
    await this.enqueue(() => this.stopConsumer());
    await this.o.subscriber.unsubscribe().catch(() => undefined);
    await removeHealth(this.o.redis, this.o.group, this.instanceId).catch(() => undefined);
  }

  // Every change of the consumer's lifecycle runs through one queue, so a control change, a crash
  // and a restart never interleave.
  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.chain.then(task, task);
    this.chain = next.catch((err: unknown) => this.o.log(`lifecycle error: ${(err as Error).message}`));
    return this.chain;
  }

  private refreshControl(): void {
    if (this.closed) return;
    readControl(this.o.redis, this.o.group).then(
      (c) => {
        if (c.version === this.control?.version) return;
        this.control = c;
        this.o.log(
          `control v${c.version}: mode ${c.mode}, skip ${c.skip.length}, parallelism ${c.maxParallelism}`,
        );
        void this.enqueue(() => this.reconcile());
      },
      (err: unknown) => this.o.log(`control read failed: ${(err as Error).message}`),
    );
  }

  private async reconcile(): Promise<void> {
    const c = this.control;
    if (!c || this.closed) return;
    // A restart's rebalance is timed from here: leaving the group, rejoining, getting partitions.
    const rebalanceFrom = Date.now();
    const parallelism = c.mode === 'safe' ? 1 : Math.max(1, c.maxParallelism);
    const restartNeeded =
      this.consumer !== undefined && (c.mode !== this.runningMode || parallelism !== this.runningParallelism);
    if (restartNeeded || (c.mode === 'stopped' && this.consumer)) await this.stopConsumer();
    this.health.mode = c.mode;
    this.health.controlVersion = c.version;
    if (c.mode === 'stopped') {
      this.cancelCrashTimer();
      this.setState('stopped');
      return;
    }
    // After a crash, wait out the back-off unless the control record changed since.
    if (this.crashTimer && this.crashedAtVersion === c.version) return;
    this.cancelCrashTimer();
    if (!this.consumer) await this.startConsumer(c.mode, parallelism, rebalanceFrom);
  }

  private async startConsumer(
    mode: ControlRecord['mode'],
    parallelism: number,
    rebalanceFrom: number,
  ): Promise<void> {
    this.halted = false;
    const consumer = this.o.kafka.consumer({
      groupId: this.o.group,
      sessionTimeout: 10_000,
      rebalanceTimeout: 15_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 250,
      retry: { retries: 3, restartOnFailure: () => Promise.resolve(false) },
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.health.memberId = e.payload.memberId;
      this.health.lastJoinMs = Date.now() - rebalanceFrom;
      this.o.log(`joined as ${e.payload.memberId}: ${this.health.lastJoinMs} ms since (re)start`);
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (this.halted) return;
      this.o.log(`kafkajs crash: ${e.payload.error.message}`);
      // kafkajs does not restart itself (restartOnFailure is off, message failures go through
      // halt()); a crash from the broker side, such as "the coordinator is loading" right after a
      // broker restart, would otherwise leave the consumer out of its group for good.
      if (!e.payload.restart) this.restartAfterBrokerCrash(consumer);
    });
    this.consumer = consumer;
    this.runningMode = mode;
    this.runningParallelism = parallelism;
    await consumer.connect();
    await consumer.subscribe({ topic: this.o.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: parallelism,
      eachMessage: (p) => this.onMessage(consumer, p),
    });
    this.setState('running');
    this.o.log(`consuming ${this.o.topic} in ${mode} mode, parallelism ${parallelism}`);
  }

  private async stopConsumer(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    this.consumer = undefined;
    this.runningMode = undefined;
    this.health.memberId = null;
    await consumer.disconnect().catch((err: Error) => this.o.log(`disconnect: ${err.message}`));
  }

  private async onMessage(consumer: Consumer, msg: IncomingMessage): Promise<void> {
    // Once halted, nothing else is handled or committed until the consumer restarts. Returning
    // (rather than throwing) keeps kafkajs out of its own retry/crash path; with autoCommit off,
    // an uncommitted message is simply delivered again after the restart.
    if (this.halted || consumer !== this.consumer) return;
    const { topic, partition, message } = msg;
    const ref = messageRef(topic, partition, message.offset);
    const control = this.control!;
    if (control.skip.includes(ref)) {
      await this.commit(consumer, topic, partition, message.offset);
      this.health.skipped += 1;
      this.health.processed += 1;
      this.o.log(`skipped ${ref} (control skip list)`);
      return;
    }
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= this.o.maxAttempts; attempt++) {
      try {
        const eventId = this.o.handler.eventId(msg);
        const outcome = await processOnce(this.o.pool, this.o.group, eventId, (tx) =>
          this.o.handler.handle(msg, tx),
        );
        if (outcome === 'duplicate') this.health.duplicates += 1;
        await this.commit(consumer, topic, partition, message.offset);
        this.health.processed += 1;
        if (control.debug) this.o.log(`${outcome} ${ref} event ${eventId} (attempt ${attempt})`);
        return;
      } catch (err) {
        lastError = err as Error;
        if (control.debug || attempt === this.o.maxAttempts) {
          this.o.log(`attempt ${attempt}/${this.o.maxAttempts} of ${ref} failed: ${lastError.message}`);
        }
        if (attempt < this.o.maxAttempts) await sleep(this.o.retryBackoffMs * attempt);
      }
    }
    this.halt({
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString() ?? null,
      error: lastError?.message ?? 'unknown error',
      attempts: this.o.maxAttempts,
      controlVersion: control.version,
      at: new Date().toISOString(),
    });
  }

  private async commit(consumer: Consumer, topic: string, partition: number, offset: string) {
    const next = (BigInt(offset) + 1n).toString();
    await consumer.commitOffsets([{ topic, partition, offset: next }]);
    this.health.committed[`${topic}:${partition}`] = next;
  }

  private halt(failed: FailedMessage): void {
    this.halted = true;
    this.health.lastError = failed;
    this.o.log(`halting on ${messageRef(failed.topic, failed.partition, failed.offset)}: ${failed.error}`);
    void this.enqueue(async () => {
      await this.stopConsumer();
      this.health.crashes += 1;
      this.setState('crashed');
      this.crashedAtVersion = this.control?.version;
      this.crashTimer = setTimeout(() => {
        this.crashTimer = undefined;
        void this.enqueue(() => this.reconcile());
      }, this.o.crashBackoffMs);
    });
  }

  /** Restarts after the back-off, and again after each back-off while the broker stays away. */
  private restartAfterBrokerCrash(consumer?: Consumer): void {
    void this.enqueue(async () => {
      if (consumer && consumer !== this.consumer) return;
      await this.stopConsumer();
      this.setState('crashed');
      this.crashedAtVersion = this.control?.version;
      this.crashTimer = setTimeout(() => {
        this.crashTimer = undefined;
        void this.enqueue(async () => {
          try {
            await this.reconcile();
          } catch (err) {
            this.o.log(`restart failed: ${(err as Error).message}`);
            this.restartAfterBrokerCrash();
          }
        });
      }, this.o.crashBackoffMs);
    });
  }

  private cancelCrashTimer(): void {
    if (this.crashTimer) clearTimeout(this.crashTimer);
    this.crashTimer = undefined;
  }

  private setState(state: ConsumerState): void {
    this.health.state = state;
    void this.reportHealth();
  }

  private async reportHealth(): Promise<void> {
    if (this.closed) return;
    this.health.heartbeatAt = new Date().toISOString();
    await writeHealth(this.o.redis, this.snapshot(), this.o.healthTtlMs).catch((err: Error) =>
      this.o.log(`health write failed: ${err.message}`),
    );
  }
}
