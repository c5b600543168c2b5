// The only place that creates infrastructure clients. Activities receive them through their
// factories; tests and scripts reuse these constructors so every client is configured alike.
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { type ReboundConfig } from '../shared/config';

export function createPool(config: ReboundConfig, database: 'platform' | 'state', max = 10): Pool {
  const pg = config.postgres;
  return createDatabasePool(config, database === 'platform' ? pg.platformDb : pg.stateDb, max, database);
}

/** A pool on any database of the cluster (the regions of a replicated dataset). */
export function createDatabasePool(config: ReboundConfig, database: string, max = 10, name = database): Pool {
  const pg = config.postgres;
  const pool = new Pool({
    host: pg.host,
    port: pg.port,
    user: pg.user,
    password: pg.password,
    database,
    max,
    connectionTimeoutMillis: 5_000,
    application_name: `rebound-${name}`,
  });
  // An idle client dropped by the server (a restart, a failover) is removed by the pool; without a
  // listener its 'error' event would crash the whole process instead.
  pool.on('error', (err) => console.error(`[pg ${name}] idle client error: ${err.message}`));
  // A checked-out client (pool.connect(): relay sessions, transactions) has no pool listener, and
  // pg emits 'error' on it when the server goes away — even after failing its running query — so
  // a PostgreSQL restart killed the whole worker (issue 14: the 30 s outage hung every run). Its
  // holder already sees the error on its next query (the client is no longer queryable).
  pool.on('connect', (client) => client.on('error', () => undefined));
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

/** One pool per database, created on first use (the regions of the replicated datasets). */
export function databasePools(
  config: ReboundConfig,
  max = 5,
): { get: (database: string) => Pool; end: () => Promise<void> } {
  const pools = new Map<string, Pool>();
  return {
    get: (database) => {
      let pool = pools.get(database);
      if (!pool) {
        pool = createDatabasePool(config, database, max);
        pools.set(database, pool);
      }
      return pool;
    },
    end: async () => {
      await Promise.allSettled([...pools.values()].map((p) => p.end()));
    },
  };
}
