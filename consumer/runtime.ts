// The consumer runtime services embed around a kafkajs consumer. It
// - handles each message with up to `maxAttempts` tries, idempotently by event id (processed_events),
//   and commits the message's offset only after it succeeded or was deliberately skipped;
// - obeys the group's control record in Redis (normal / stopped / safe, skip list, parallelism,
//   debug), reacting to its pub/sub channel within a second and polling as a fallback;
// - reports its health to Redis with an expiry;
// - on a message that keeps failing, halts: nothing after it is committed, the consumer leaves
//   the group, the failing offset is reported, and it starts again after a back-off — the crash
//   loop an operator (or Rebound) has to break;
// - survives its broker: when the Kafka client gives up (broker down, coordinator loading, a
//   rebalance that failed), it reports `restarting` (retriable) or `crashed` (non-retriable) with
//   the error and since when, and starts the consumer again with bounded exponential back-off
//   until it has joined the group again. kafkajs' own restart is switched off so that the health
//   record, not the client, owns that truth.
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
import { createLogger, type Logger } from '../shared/logger';
import { clientCrashBackoffMs, describeClientError } from './client-crash';
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
  /** First wait before restarting after a retriable client crash (ms); doubles up to the cap. */
  restartBackoffMs?: number;
  /** Longest wait between restarts (ms); non-retriable crashes start at this. */
  maxRestartBackoffMs?: number;
  /** Structured logger; default a pino logger named `consumer` with the group bound. */
  logger?: Logger;
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
  private restartTimer: NodeJS.Timeout | undefined;
  private timers: NodeJS.Timeout[] = [];
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly health: HealthRecord;
  private readonly o: Required<Omit<ConsumerRuntimeOptions, 'logger'>>;
  private readonly logger: Logger;

  constructor(opts: ConsumerRuntimeOptions) {
    this.o = {
      maxAttempts: 3,
      retryBackoffMs: 200,
      crashBackoffMs: 5_000,
      healthEveryMs: 2_000,
      healthTtlMs: 10_000,
      controlPollMs: 2_000,
      restartBackoffMs: 1_000,
      maxRestartBackoffMs: 15_000,
      ...opts,
    };
    this.logger = (opts.logger ?? createLogger('consumer')).child({ group: opts.group, topic: opts.topic });
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
      lastCrash: null,
      stateSince: new Date().toISOString(),
      crashes: 0,
      clientCrashes: 0,
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
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.enqueue(() => this.stopConsumer());
    await this.o.subscriber.unsubscribe().catch(() => undefined);
    await removeHealth(this.o.redis, this.o.group, this.instanceId).catch(() => undefined);
  }

  // Every change of the consumer's lifecycle runs through one queue, so a control change, a crash
  // and a restart never interleave.
  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.chain.then(task, task);
    this.chain = next.catch((err: unknown) => this.logger.error({ err }, 'lifecycle error'));
    return this.chain;
  }

  private refreshControl(): void {
    if (this.closed) return;
    readControl(this.o.redis, this.o.group).then(
      (c) => {
        if (c.version === this.control?.version) return;
        this.control = c;
        this.logger.info(
          { version: c.version, mode: c.mode, skip: c.skip.length, parallelism: c.maxParallelism },
          'control record changed',
        );
        void this.enqueue(() => this.reconcile());
      },
      (err: unknown) => this.logger.warn({ err }, 'control read failed'),
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
      this.cancelRestartTimer();
      this.setState('stopped');
      return;
    }
    // A client crash's back-off is not shortened by a control change: the broker is what failed.
    if (this.restartTimer) return;
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
    this.setState('starting');
    const consumer = this.o.kafka.consumer({
      groupId: this.o.group,
      sessionTimeout: 10_000,
      rebalanceTimeout: 15_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 250,
      retry: { retries: 3, restartOnFailure: () => Promise.resolve(false) },
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      if (consumer !== this.consumer) return;
      this.health.memberId = e.payload.memberId;
      this.health.lastJoinMs = Date.now() - rebalanceFrom;
      if (this.health.lastCrash) {
        this.logger.info(
          { downSince: this.health.lastCrash.since, restarts: this.health.lastCrash.restarts },
          'consuming again after a client crash',
        );
      }
      this.health.lastCrash = null;
      this.setState('running');
      this.logger.info(
        { memberId: e.payload.memberId, joinMs: this.health.lastJoinMs, mode, parallelism },
        'joined the group',
      );
    });
    consumer.on(consumer.events.CRASH, (e) => {
      // A halt on a failing message stops the consumer on purpose; every other crash is the
      // client giving up, and the consumer is gone until it is started again.
      if (this.halted || consumer !== this.consumer) return;
      void this.enqueue(() => this.onClientCrash(consumer, e.payload.error));
    });
    this.consumer = consumer;
    this.runningMode = mode;
    this.runningParallelism = parallelism;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: this.o.topic, fromBeginning: true });
      // run() resolves once the fetch loop is scheduled; joining errors arrive as CRASH events.
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: parallelism,
        eachMessage: (p) => this.onMessage(consumer, p),
      });
    } catch (err) {
      await this.onClientCrash(consumer, err);
    }
  }

  /**
   * The Kafka client gave up (or could not start): disconnect what is left, report the truth and
   * schedule a restart. Retriable errors back off from `restartBackoffMs`, doubling up to
   * `maxRestartBackoffMs`; non-retriable ones (authorization, bad configuration) wait the cap each
   * time, since they need a person, but are still retried so the consumer comes back by itself
   * once that person fixed it.
   */
  private async onClientCrash(consumer: Consumer, err: unknown): Promise<void> {
    if (consumer !== this.consumer || this.closed) return;
    await this.stopConsumer();
    const { message, name, retriable } = describeClientError(err);
    const previous = this.health.lastCrash;
    const restarts = previous ? previous.restarts + 1 : 0;
    const delay = clientCrashBackoffMs(
      restarts,
      retriable,
      this.o.restartBackoffMs,
      this.o.maxRestartBackoffMs,
    );
    this.health.clientCrashes += 1;
    this.health.lastCrash = {
      error: message,
      errorName: name,
      retriable,
      since: previous?.since ?? new Date().toISOString(),
      restarts,
      nextRestartAt: new Date(Date.now() + delay).toISOString(),
    };
    this.setState(retriable ? 'restarting' : 'crashed');
    this.logger.warn(
      { err: message, errorName: name, retriable, restarts, delayMs: delay },
      'kafka client crashed',
    );
    this.cancelRestartTimer();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.enqueue(() => this.reconcile());
    }, delay);
  }

  private async stopConsumer(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    this.consumer = undefined;
    this.runningMode = undefined;
    this.health.memberId = null;
    await consumer.disconnect().catch((err: unknown) => this.logger.warn({ err }, 'disconnect failed'));
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
      this.logger.info({ ref }, 'skipped (control skip list)');
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
        if (control.debug) this.logger.info({ ref, eventId, outcome, attempt }, 'handled');
        return;
      } catch (err) {
        lastError = err as Error;
        if (control.debug || attempt === this.o.maxAttempts) {
          this.logger.warn(
            { ref, attempt, maxAttempts: this.o.maxAttempts, err: lastError.message },
            'attempt failed',
          );
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
    this.logger.error(
      { ref: messageRef(failed.topic, failed.partition, failed.offset), err: failed.error },
      'halting on a failing message',
    );
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

  private cancelRestartTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  private cancelCrashTimer(): void {
    if (this.crashTimer) clearTimeout(this.crashTimer);
    this.crashTimer = undefined;
  }

  private setState(state: ConsumerState): void {
    if (this.health.state !== state) this.health.stateSince = new Date().toISOString();
    this.health.state = state;
    void this.reportHealth();
  }

  private async reportHealth(): Promise<void> {
    if (this.closed) return;
    this.health.heartbeatAt = new Date().toISOString();
    await writeHealth(this.o.redis, this.snapshot(), this.o.healthTtlMs).catch((err: unknown) =>
      this.logger.warn({ err }, 'health write failed'),
    );
  }
}
