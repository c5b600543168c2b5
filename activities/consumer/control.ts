// Rebound's side of the consumer control contract: write a group's control record (the runtime
// reacts within a second through pub/sub) and read the health its instances report.
import { type Redis } from 'ioredis';
import { readControl, writeControl } from '../../consumer/control-store';
import { readHealth } from '../../consumer/health-store';
import { type ControlChange, type ControlRecord, type HealthRecord } from '../../shared/consumer-control';

export function createConsumerControlActivities(deps: { redis: Redis }) {
  return {
    readConsumerControl: ({ group }: { group: string }): Promise<ControlRecord> =>
      readControl(deps.redis, group),

    /** Writes the record; returns it with its new version, which health reports echo back. */
    setConsumerControl: ({
      group,
      change,
      by,
    }: {
      group: string;
      change: ControlChange;
      by: string;
    }): Promise<ControlRecord> => writeControl(deps.redis, group, change, by),

    readConsumerHealth: ({ group }: { group: string }): Promise<HealthRecord[]> =>
      readHealth(deps.redis, group),
  };
}

export type ConsumerControlActivities = ReturnType<typeof createConsumerControlActivities>;
