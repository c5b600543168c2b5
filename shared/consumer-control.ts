// The contract between a consumer runtime (consumer/) and Rebound (activities/consumer/): the
// control record Rebound writes and the health record each consumer instance writes, both in
// Redis under keys derived from the consumer group. Plain data only: workflows import it too.

export const CONSUMER_MODES = ['normal', 'stopped', 'safe'] as const;
export type ConsumerMode = (typeof CONSUMER_MODES)[number];

/** What Rebound tells a consumer group to do. `version` increases with every write. */
export interface ControlRecord {
  mode: ConsumerMode;
  /** Exact messages to skip (commit past without handling), as `topic:partition:offset`. */
  skip: string[];
  /** Partitions handled concurrently; safe mode uses 1. */
  maxParallelism: number;
  debug: boolean;
  version: number;
  updatedBy: string;
  updatedAt: string;
}

export type ControlChange = Pick<ControlRecord, 'mode' | 'skip' | 'maxParallelism' | 'debug'>;

export const DEFAULT_CONTROL: ControlRecord = {
  mode: 'normal',
  skip: [],
  maxParallelism: 3,
  debug: false,
  version: 0,
  updatedBy: 'default',
  updatedAt: new Date(0).toISOString(),
};

export interface FailedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  error: string;
  attempts: number;
  /** The control version in force when the message failed: tells Rebound which mode failed. */
  controlVersion: number;
  at: string;
}

/**
 * What a consumer instance is doing. `running` is reported only while it is a member of the group
 * and fetching; `starting` from (re)connecting until it has joined; `crashed` after it stopped
 * itself on a failing message (see `lastError`) or after a non-retriable client error (see
 * `lastCrash`); `restarting` while it waits to reconnect after losing the broker or the group
 * coordinator (a retriable error, see `lastCrash`); `stopped` when the control record says so.
 */
export type ConsumerState = 'starting' | 'running' | 'stopped' | 'crashed' | 'restarting';

/**
 * The last time the Kafka client itself gave up (kafkajs `consumer.crash`): broker down, coordinator
 * loading, authorization refused. `retriable` follows kafkajs' own classification (the error or its
 * root cause has `retriable: true`, or the retries were exhausted); `since` (ISO time) is when the
 * consumer stopped consuming; `restarts` counts the restarts tried since then; `nextRestartAt` is
 * when the next one is due.
 */
export interface ClientCrash {
  error: string;
  errorName: string;
  retriable: boolean;
  since: string;
  restarts: number;
  nextRestartAt: string | null;
}

/** One consumer instance's report, refreshed every few seconds and expiring when it dies. */
export interface HealthRecord {
  instanceId: string;
  group: string;
  pid: number;
  state: ConsumerState;
  mode: ConsumerMode;
  controlVersion: number;
  memberId: string | null;
  /** Messages handled (or skipped) since the process started. */
  processed: number;
  skipped: number;
  duplicates: number;
  /** `topic:partition` → the next offset this instance committed. */
  committed: Record<string, string>;
  lastError: FailedMessage | null;
  /** Set while the consumer is down because the Kafka client crashed; null once it consumes again. */
  lastCrash: ClientCrash | null;
  /** When `state` last changed (ISO time). */
  stateSince: string;
  /** Times the runtime stopped itself on a failing message and started again. */
  crashes: number;
  /** Times the Kafka client crashed (broker or coordinator errors) since the process started. */
  clientCrashes: number;
  /** How long the last (re)start's rebalance took: from leaving/connecting to GROUP_JOIN. */
  lastJoinMs: number | null;
  heartbeatAt: string;
}

export function messageRef(topic: string, partition: number, offset: string): string {
  return `${topic}:${partition}:${offset}`;
}

export function controlKey(group: string): string {
  return `rebound:consumer:${group}:control`;
}

/** Pub/sub channel a runtime listens on to react within a second to control changes. */
export function controlChannel(group: string): string {
  return `rebound:consumer:${group}:control-changed`;
}

export function healthKey(group: string, instanceId: string): string {
  return `rebound:consumer:${group}:health:${instanceId}`;
}

/** Sorted set of instance ids, scored by last heartbeat (ms), so readers need no KEYS/SCAN. */
export function instancesKey(group: string): string {
  return `rebound:consumer:${group}:instances`;
}

export function quarantineTopic(topic: string): string {
  return `${topic}.quarantine`;
}

/** Header names on quarantined copies (and on redriven messages). */
export const QUARANTINE_HEADERS = {
  topic: 'rebound-original-topic',
  partition: 'rebound-original-partition',
  offset: 'rebound-original-offset',
  key: 'rebound-original-key',
  error: 'rebound-error',
  incident: 'rebound-incident-id',
  redrive: 'rebound-redrive-key',
} as const;
