// The reference platform's exporter as its own process (`rebound stack up` starts it): measures the
// platform's health on timers and serves it at http://127.0.0.1:$REBOUND_EXPORTER_PORT/metrics for
// Prometheus. What it measures, and why, is in each collector's file.
// Usage: tsx platform/exporter/main.ts [--interval-ms N]   (default 2000)
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../shared/config';
import { createLogger } from '../../shared/logger';
import { loadDatasets } from '../../shared/partition-merge/load-datasets';
import { createKafka, createPool, createRedis, databasePools } from '../../workers/clients';
import { cacheCorruptionCollector, entitlementStalenessCollector } from './caches';
import { consumerHealthCollector, consumerLagCollector } from './consumers';
import { deletionRequestCollector, orphanedOrgCollector } from './orgs';
import { kafkaCollector, outboxCollector } from './outbox';
import { regionsCollector } from './regions';
import { ExporterRegistry } from './registry';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'interval-ms': { type: 'string', default: '2000' } } });
  const every = Number(values['interval-ms']);
  if (!Number.isInteger(every) || every < 200) throw new Error('--interval-ms must be a whole number ≥ 200');
  const config = loadConfig();
  const logger = createLogger('exporter', { level: config.logLevel, format: config.logFormat });
  const pool = createPool(config, 'platform', 3);
  const redis = createRedis(config, 'platform-exporter');
  const regions = databasePools(config, 2);
  const kafka = createKafka(config, 'platform-exporter');
  const admin = kafka.admin({ retry: { retries: 1, initialRetryTime: 200 } });
  // Connecting fails while Kafka is down; the Kafka collectors then fail (and say so) until it is back.
  await admin.connect().catch((err: unknown) => logger.warn({ err: String(err) }, 'Kafka not reachable yet'));

  const exporter = new ExporterRegistry(
    [
      consumerHealthCollector(redis, every),
      consumerLagCollector(redis, admin, every),
      kafkaCollector(admin, every),
      outboxCollector(pool, every),
      entitlementStalenessCollector(pool, redis, every),
      cacheCorruptionCollector(redis, every),
      regionsCollector(loadDatasets(), regions.get, every),
      orphanedOrgCollector(pool, every),
      deletionRequestCollector(pool, every),
    ],
    logger,
  );
  exporter.start();

  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      exporter.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': exporter.registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500).end(String(err));
        },
      );
    } else if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else {
      res.writeHead(404).end();
    }
  });
  const host = config.monitoring.exporterHost;
  const port = config.monitoring.exporterPort;
  server.listen(port, host, () =>
    logger.info({ pid: process.pid, host, port }, 'platform exporter listening'),
  );

  const stop = () => {
    exporter.stop();
    server.close();
    void Promise.allSettled([pool.end(), redis.quit(), regions.end(), admin.disconnect()]).then(() =>
      process.exit(0),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  createLogger('exporter').fatal({ err }, 'fatal');
  process.exit(1);
});
