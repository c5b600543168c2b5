// REBOUND_KAFKA_CONNECT_VIA: a Kafka client behind a TCP proxy stays behind it. The broker
// advertises its own address, so without the option only the bootstrap connection goes through
// the proxy; with it, every connection does (the chaos harness's network cells rely on this).
import { createServer, connect, type Server } from 'node:net';
import { randomUUID } from 'node:crypto';
import { loadConfig, type ReboundConfig } from '../../../shared/config';
import { createKafka } from '../../../workers/clients';

const config = loadConfig();
let proxy: Server;
let proxyAddress = '';
let accepted = 0;

beforeAll(async () => {
  const [host, port] = [config.kafka.brokers[0].split(':')[0], Number(config.kafka.brokers[0].split(':')[1])];
  proxy = createServer((client) => {
    accepted += 1;
    const upstream = connect({ host, port });
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const a = proxy.address() as { port: number };
  proxyAddress = `127.0.0.1:${a.port}`;
});

afterAll(async () => {
  await new Promise((r) => proxy.close(r));
});

async function produceThrough(cfg: ReboundConfig): Promise<number> {
  accepted = 0;
  const kafka = createKafka(cfg, 'rebound-test-connect-via');
  const admin = kafka.admin();
  const producer = kafka.producer();
  const topic = `test.connect-via-${randomUUID()}`;
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v' }] });
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets[0].high).toBe('1');
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
  return accepted;
}

test('with the option every broker connection goes through the proxy; without it only the bootstrap does', async () => {
  const behind = { ...config, kafka: { ...config.kafka, brokers: [proxyAddress] } };
  // Without: bootstrap through the proxy, then straight to the advertised address.
  const without = await produceThrough(behind);
  const withVia = await produceThrough({ ...behind, kafka: { ...behind.kafka, connectVia: proxyAddress } });
  expect(without).toBeLessThanOrEqual(2);
  // Admin and producer each open a bootstrap and a broker connection, all through the proxy.
  expect(withVia).toBeGreaterThan(without);
  expect(withVia).toBeGreaterThanOrEqual(4);
}, 60_000);
