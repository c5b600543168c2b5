// docker-compose.yml cannot run here (no Docker engine), so this keeps it honest: valid YAML,
// every service with an image or a build, Rebound's services configured only with variables the
// config module knows, pointing at the compose services on the ports the config defaults use.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configVariables, loadConfig } from '../../shared/config';
import { REPO_ROOT } from '../../shared/paths';
import { REBOUND_SEARCH_ATTRIBUTES } from '../../shared/search-attributes';

interface Service {
  image?: string;
  build?: string;
  ports?: string[];
  environment?: Record<string, string>;
  command?: string[];
}
const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const defaults = loadConfig({});
const services = compose.services;
const portOf = (hostPort: string) => Number(hostPort.split(':').pop());

test('every service has a pinned image or the local build', () => {
  for (const [name, s] of Object.entries(services)) {
    if (s.build) expect(s.build).toBe('.');
    else expect(s.image).toMatch(/^[a-z0-9/_-]+:\d[\w.-]*$/); // a version tag, never `latest`
    expect(name).toMatch(/^[a-z-]+$/);
  }
  expect(Object.keys(services)).toEqual(
    expect.arrayContaining([
      'postgres',
      'temporal',
      'temporal-ui',
      'redis',
      'kafka',
      'rebound-worker',
      'rebound-api',
    ]),
  );
});

test('infrastructure ports are the ones the config defaults use', () => {
  expect(services.postgres.ports).toContain(`${defaults.postgres.port}:5432`);
  expect(services.redis.ports).toContain('6379:6379');
  expect(services.temporal.ports).toContain(defaults.temporal.address.split(':')[1] + ':7233');
  expect(services['temporal-ui'].ports?.map(portOf)).toContain(8080);
  expect(services['temporal-ui'].ports?.[0].split(':')[0]).toBe(String(defaults.temporal.uiPort));
  expect(services.kafka.ports).toContain(`${defaults.kafka.brokers[0].split(':')[1]}:9092`);
  expect(services['rebound-api'].ports).toContain(`${defaults.api.port}:${defaults.api.port}`);
});

test("Rebound's services use only known config variables, and they parse", () => {
  for (const name of ['rebound-setup', 'rebound-worker', 'rebound-api']) {
    const env = services[name].environment ?? {};
    const ours = Object.keys(env).filter((k) => k.startsWith('REBOUND_'));
    const extra = [
      'REBOUND_DECISION_SIGNING_KEY',
      'REBOUND_DECISION_KEYRING',
      'REBOUND_API_TOKENS_FILE',
      'REBOUND_POLICY_FILE',
      'REBOUND_ROUTING_FILE',
    ];
    for (const k of ours) expect([...configVariables, ...extra]).toContain(k);
    // Substitute the required secrets as compose would, then parse with the real config module.
    const resolved = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:\?[^}]*\}/g, 'x'.repeat(40))]),
    );
    const c = loadConfig(resolved);
    expect(c.temporal.address).toBe('temporal:7233');
    expect(c.postgres.host).toBe('postgres');
    expect(c.redis.url).toBe('redis://redis:6379');
    expect(c.kafka.brokers).toEqual(['kafka:9092']);
  }
});

test('the worker holds workflow inputs to the same policy and routing files as the API', () => {
  const envOf = (name: string) => services[name].environment ?? {};
  for (const k of ['REBOUND_POLICY_FILE', 'REBOUND_ROUTING_FILE']) {
    expect(envOf('rebound-worker')[k]).toMatch(/^\/app\/config\/[a-z]+\.yaml$/);
    expect(envOf('rebound-worker')[k]).toBe(envOf('rebound-api')[k]);
  }
});

test('the compose commands run files the build produces', () => {
  const commands = ['rebound-worker', 'rebound-api', 'rebound-setup']
    .flatMap((n) => services[n].command ?? [])
    .join(' ');
  for (const m of commands.matchAll(/dist\/([\w/-]+)\.js/g)) {
    expect(() => readFileSync(join(REPO_ROOT, `${m[1]}.ts`))).not.toThrow();
  }
});

test('stack up registers the same search attributes as the deployment script', () => {
  const script = readFileSync(join(REPO_ROOT, 'scripts/stack/temporal.sh'), 'utf8');
  const registered = [...script.matchAll(/^\s+(Rebound\w+)=Keyword$/gm)].map((m) => m[1]).sort();
  expect(registered).toEqual(REBOUND_SEARCH_ATTRIBUTES.map((k) => k.name).sort());
});
