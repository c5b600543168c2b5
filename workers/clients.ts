// The only place that creates infrastructure clients. Activities receive them through their
// factories; tests and scripts reuse these constructors so every client is configured alike.
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { type ReboundConfig } from '../shared/config';

export function createPool(config: ReboundConfig, database: 'platform' | 'state', max = 10): Pool {
  const pg = config.postgres;
  const pool = new Pool({
    host: pg.host,
    port: pg.port,
    user: pg.user,
    password: pg.password,
    database: database === 'platform' ? pg.platformDb : pg.stateDb,
    max,
    connectionTimeoutMillis: 5_000,
    application_name: `rebound-${database}`,
  });
  // An idle client dropped by the server (a restart, a failover) is removed by the pool; without a
  // listener its 'error' event would crash the whole process instead.
  pool.on('error', (err) => console.error(`[pg ${database}] idle client error: ${err.message}`));
  return pool;
}

export function createRedis(config: ReboundConfig, name = 'rebound'): Redis {
  return new Redis(config.redis.url, {
    connectionName: name,
    // Fail a command instead of queueing it forever while Redis is down: activities retry.
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
}

export function createKafka(config: ReboundConfig, clientId = 'rebound'): Kafka {
  return new Kafka({
    clientId,
    brokers: config.kafka.brokers,
    logLevel: logLevel.ERROR,
    retry: { retries: 5, initialRetryTime: 200 },
  });
}
