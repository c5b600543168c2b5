// The only place that creates infrastructure clients. Activities receive them through their
// factories; tests and scripts reuse these constructors so every client is configured alike.
import { Redis } from 'ioredis';
import { connect as netConnect } from 'node:net';
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
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
  // A client checked out of the pool has no such listener, and pg emits 'error' on it when the
  // connection goes (a reset, a server stop), even after failing its running query: the relay's
  // lock connection during a send, a cursor between pages. That crashed the worker, and every run
  // on it waited for a worker that was gone (issue 14: the 30 s PostgreSQL outage hung). With this listener
  // the client's next query fails instead (a retryable activity failure) and the pool discards it.
  pool.on('connect', (client) =>
    client.on('error', (err) => console.error(`[pg ${name}] connection error: ${err.message}`)),
  );
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
  const via = config.kafka.connectVia;
  return new Kafka({
    clientId,
    brokers: via ? [via] : config.kafka.brokers,
    logLevel: logLevel.ERROR,
    retry: { retries: 5, initialRetryTime: 200 },
    ...(via ? { socketFactory: connectVia(via) } : {}),
  });
}

/** Keep-alive delay of broker sockets, as kafkajs's own socket factory sets it (ms). */
const KAFKA_KEEP_ALIVE_MS = 60_000;

/**
 * A kafkajs socket factory that connects every broker connection to `address` (host:port),
 * whatever host and port the broker advertised: after the first metadata request kafkajs
 * connects to the advertised address, which would go around a proxy in front of the broker.
 * Plain TCP only (the local stack has no TLS).
 */
export function connectVia(address: string): ISocketFactory {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i);
  const port = Number(address.slice(i + 1));
  return ({ onConnect }) => {
    const socket = netConnect({ host, port }, onConnect);
    socket.setKeepAlive(true, KAFKA_KEEP_ALIVE_MS);
    return socket;
  };
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
