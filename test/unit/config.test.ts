import { ConfigError, loadConfig } from '../../shared/config';
import { parseDuration } from '../../shared/duration';

test('local defaults need no environment', () => {
  const c = loadConfig({});
  expect(c.temporal.address).toBe('127.0.0.1:7233');
  expect(c.postgres).toMatchObject({
    host: '127.0.0.1',
    port: 5432,
    platformDb: 'platform',
    stateDb: 'rebound',
  });
  expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
  expect(c.kafka.controllerPort).not.toBe(9093); // Alertmanager's port
});

test('overrides are parsed and typed', () => {
  const c = loadConfig({ REBOUND_PG_PORT: '55432', REBOUND_KAFKA_BROKERS: 'a:1,b:2' });
  expect(c.postgres.port).toBe(55432);
  expect(c.kafka.brokers).toEqual(['a:1', 'b:2']);
});

test('a bad value fails fast naming the variable and the value', () => {
  expect(() => loadConfig({ REBOUND_PG_PORT: 'abc' })).toThrow(ConfigError);
  expect(() => loadConfig({ REBOUND_PG_PORT: 'abc' })).toThrow(/REBOUND_PG_PORT="abc"/);
  expect(() => loadConfig({ REBOUND_REDIS_URL: 'http://x' })).toThrow(/REBOUND_REDIS_URL/);
  expect(() => loadConfig({ REBOUND_TEMPORAL_ADDRESS: 'nohost' })).toThrow(
    /REBOUND_TEMPORAL_ADDRESS.*host:port/,
  );
});

test('durations', () => {
  expect(parseDuration('15s')).toBe(15_000);
  expect(parseDuration('5m')).toBe(300_000);
  expect(parseDuration('7d')).toBe(7 * 86_400_000);
  expect(() => parseDuration('5 minutes')).toThrow(/invalid duration/);
});

test('REBOUND_KAFKA_CONNECT_VIA: host:port or unset; anything else is refused', () => {
  expect(loadConfig({}).kafka.connectVia).toBeUndefined();
  expect(loadConfig({ REBOUND_KAFKA_CONNECT_VIA: '127.0.0.1:29150' }).kafka.connectVia).toBe(
    '127.0.0.1:29150',
  );
  for (const bad of ['127.0.0.1', 'a:1,b:2', ':9092', 'host:port'])
    expect(() => loadConfig({ REBOUND_KAFKA_CONNECT_VIA: bad })).toThrow(/REBOUND_KAFKA_CONNECT_VIA/);
});
