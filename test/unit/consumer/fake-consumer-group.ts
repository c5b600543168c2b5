// An in-memory consumer group for workflow tests: the control record, the health the consumer
// would report, the group's state and offsets, the quarantine — behaving like the real runtime
// (stopped → Empty; a listed failing offset fails again under safe mode unless skipped/moved).
import { ApplicationFailure } from '@temporalio/common';
import { type ControlChange, type ControlRecord, type HealthRecord } from '../../../shared/consumer-control';
import { ErrorTypes } from '../../../shared/errors';

export interface FakeGroupOptions {
  group: string;
  topic: string;
  /** Offsets (partition 0) that fail whenever the consumer reaches them. */
  poison: string[];
  high: number;
  /** Reads of the health that find no record (expired while Redis was down), before they return. */
  expiredHealthReads?: number;
  /**
   * Offset moves that find a member in the stopped group (an instance restarting with the control
   * record it read before `stopped`); each is refused as GroupNotEmpty, and the member is still
   * there at the group's next snapshot, gone at the one after.
   */
  membersAtMove?: number;
}

export function fakeConsumerGroup(o: FakeGroupOptions) {
  let control: ControlRecord = {
    mode: 'normal',
    skip: [],
    maxParallelism: 3,
    debug: false,
    version: 1,
    updatedBy: 'test',
    updatedAt: new Date(0).toISOString(),
  };
  let committed = Number(o.poison[0]);
  let failedAt: { offset: string; version: number } | null = { offset: o.poison[0], version: 1 };
  const quarantined: string[] = [];
  const moves: string[] = [];
  const modes: string[] = [];
  let healthReads = 0;
  let refusedMoves = 0;
  /** Snapshots still to show the rejoined member. */
  let memberFor = 0;

  // The consumer advances to the next poison offset it has not been told to skip (or the end).
  function consume(): void {
    if (control.mode === 'stopped') return;
    const blocking = o.poison.find(
      (p) => Number(p) >= committed && !control.skip.includes(`${o.topic}:0:${p}`),
    );
    if (blocking) {
      committed = Number(blocking);
      failedAt = { offset: blocking, version: control.version };
    } else {
      committed = o.high;
    }
  }

  const health = (): HealthRecord => ({
    instanceId: 'i-1',
    group: o.group,
    pid: 1,
    state:
      failedAt && failedAt.version === control.version
        ? 'crashed'
        : control.mode === 'stopped'
          ? 'stopped'
          : 'running',
    mode: control.mode,
    controlVersion: control.version,
    memberId: control.mode === 'stopped' ? null : 'm-1',
    processed: committed,
    skipped: 0,
    duplicates: 0,
    committed: { [`${o.topic}:0`]: String(committed) },
    lastError: failedAt && {
      topic: o.topic,
      partition: 0,
      offset: failedAt.offset,
      key: 'poison',
      error: 'MalformedEvent: not JSON',
      attempts: 3,
      controlVersion: failedAt.version,
      at: new Date(0).toISOString(),
    },
    lastCrash: null,
    stateSince: new Date(0).toISOString(),
    crashes: 1,
    clientCrashes: 0,
    lastJoinMs: 5,
    heartbeatAt: new Date().toISOString(),
  });

  const activities = {
    redis: {
      readConsumerControl: () => Promise.resolve(control),
      setConsumerControl: ({ change }: { change: ControlChange }) => {
        control = { ...control, ...change, version: control.version + 1 };
        modes.push(change.mode);
        consume();
        return Promise.resolve(control);
      },
      readConsumerHealth: () => {
        healthReads += 1;
        return Promise.resolve(healthReads <= (o.expiredHealthReads ?? 0) ? [] : [health()]);
      },
    },
    kafka: {
      snapshotGroup: () => {
        const active = control.mode !== 'stopped' || memberFor > 0;
        if (control.mode === 'stopped' && memberFor > 0) memberFor -= 1;
        return Promise.resolve({
          group: o.group,
          topic: o.topic,
          state: active ? 'Stable' : 'Empty',
          members: active ? [{ memberId: 'm-1', clientId: 'c', host: 'h' }] : [],
          partitions: [
            {
              partition: 0,
              committed: String(committed),
              low: '0',
              high: String(o.high),
              lag: o.high - committed,
            },
          ],
          lagTotal: o.high - committed,
          takenAt: new Date().toISOString(),
        });
      },
      setGroupOffsets: ({ moves: m }: { moves: { partition: number; offset: string }[] }) => {
        if (control.mode !== 'stopped') throw new Error('group not Empty');
        if (refusedMoves < (o.membersAtMove ?? 0)) {
          refusedMoves += 1;
          memberFor = 1;
          throw ApplicationFailure.nonRetryable(
            `group ${o.group} is Stable with 1 member(s); offsets can only move while it is Empty`,
            ErrorTypes.GroupNotEmpty,
          );
        }
        moves.push(...m.map((x) => x.offset));
        committed = Math.max(committed, ...m.map((x) => Number(x.offset)));
        return Promise.resolve(
          m.map((x) => ({ partition: x.partition, from: null, to: x.offset, moved: true })),
        );
      },
      readMessagesAt: ({ refs }: { refs: { partition: number; offset: string }[] }) =>
        Promise.resolve(
          refs.map((r) => ({
            topic: o.topic,
            partition: r.partition,
            offset: r.offset,
            key: 'poison',
            keyBase64: Buffer.from('poison').toString('base64'),
            valueBase64: Buffer.from('{bad').toString('base64'),
            headers: {},
            headerList: [],
            timestamp: '0',
          })),
        ),
      quarantineWatermark: () => Promise.resolve([{ partition: 0, offset: String(quarantined.length) }]),
      quarantineMessage: ({ message, incidentId }: { message: { offset: string }; incidentId: string }) => {
        quarantined.push(message.offset);
        return Promise.resolve({
          produced: true,
          copy: {
            partition: 0,
            offset: String(quarantined.length - 1),
            original: { topic: o.topic, partition: 0, offset: message.offset, key: 'poison' },
            error: 'x',
            incidentId,
            keyBase64: Buffer.from('poison').toString('base64'),
            valueBase64: null,
            originalHeaders: [],
            timestamp: '0',
          },
        });
      },
    },
    state: () => ({ control, committed, quarantined, moves, modes, healthReads, refusedMoves }),
  };
  return activities;
}
