// Exits 0 when the broker answers a metadata request (not just an open port). Plain JS so it
// runs without a TypeScript loader during `stack up`.
const { Kafka, logLevel } = require('kafkajs');

const brokers = (process.argv[2] || '127.0.0.1:9092').split(',');
const admin = new Kafka({
  clientId: 'rebound-stack-ready',
  brokers,
  logLevel: logLevel.NOTHING,
  retry: { retries: 0 },
}).admin();

admin
  .connect()
  .then(() => admin.describeCluster())
  .then((c) => admin.disconnect().then(() => process.exit(c.brokers.length > 0 ? 0 : 1)))
  .catch(() => process.exit(1));
