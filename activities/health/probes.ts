// Dependency probes for the health-probe playbook: one real round trip per dependency. A probe
// reports an unreachable dependency as unhealthy instead of throwing, so the report is complete.
import { type Redis } from 'ioredis';
import { type Kafka } from 'kafkajs';
import { type Pool } from 'pg';
import { type Dependency, type DependencyProbe } from '../../shared/playbooks/health-probe';

async function timed(
  dependency: Dependency,
  probe: () => Promise<Record<string, string | number>>,
): Promise<DependencyProbe> {
  const started = performance.now();
  try {
    const detail = await probe();
    return { dependency, healthy: true, latencyMs: Math.round(performance.now() - started), detail };
  } catch (err) {
    return {
      dependency,
      healthy: false,
      latencyMs: Math.round(performance.now() - started),
      detail: {},
      error: (err as Error).message,
    };
  }
}

export function createPostgresProbeActivities(deps: { platformPool: Pool }) {
  return {
    probePostgres: () =>
      timed('postgres', async () => {
        const r = await deps.platformPool.query<{ version: string; db: string; connections: number }>(
          `SELECT current_setting('server_version') AS version, current_database() AS db,
                  (SELECT count(*)::int FROM pg_stat_activity) AS connections`,
        );
        const row = r.rows[0];
        return { version: row.version, database: row.db, connections: row.connections };
      }),
  };
}

export function createRedisProbeActivities(deps: { redis: Redis }) {
  return {
    probeRedis: () =>
      timed('redis', async () => {
        const pong: string = await deps.redis.ping();
        if (pong !== 'PONG') throw new Error(`unexpected PING reply ${pong}`);
        const info = await deps.redis.info('server');
        const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
        return { version };
      }),
  };
}

export function createKafkaProbeActivities(deps: { kafka: Kafka }) {
  return {
    probeKafka: () =>
      timed('kafka', async () => {
        const admin = deps.kafka.admin();
        await admin.connect();
        try {
          const cluster = await admin.describeCluster();
          return {
            brokers: cluster.brokers.length,
            controller: cluster.controller ?? -1,
            clusterId: cluster.clusterId,
          };
        } finally {
          await admin.disconnect();
        }
      }),
  };
}

export type PostgresProbeActivities = ReturnType<typeof createPostgresProbeActivities>;
export type RedisProbeActivities = ReturnType<typeof createRedisProbeActivities>;
export type KafkaProbeActivities = ReturnType<typeof createKafkaProbeActivities>;
