// docker-compose.yml cannot run here (no Docker engine), so this keeps it honest: valid YAML,
// every service with an image or a build, Rebound's services configured only with variables the
// config module knows, pointing at the compose services on the ports the config defaults use.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configVariables, loadConfig } from '../../shared/config';
import { REPO_ROOT, STATE_DIR } from '../../shared/paths';
import { REBOUND_SEARCH_ATTRIBUTES } from '../../shared/search-attributes';

interface Service {
  image?: string;
  build?: string;
  ports?: string[];
  environment?: Record<string, string>;
  command?: string[];
  volumes?: string[];
  secrets?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
}
const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
};
const defaults = loadConfig({});
const services = compose.services;
const portOf = (hostPort: string) => Number(hostPort.split(':').pop());

test('every service has a pinned image or the local build', () => {
  for (const [name, s] of Object.entries(services)) {
    if (s.build) expect(s.build).toBe('.');
    else expect(s.image).toMatch(/^[a-z0-9/_-]+:v?\d[\w.-]*$/); // a version tag, never `latest`
    expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
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
      'platform-exporter',
      'prometheus',
      'alertmanager-1',
      'alertmanager-2',
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
  for (const name of ['rebound-setup', 'rebound-worker', 'rebound-api', 'platform-exporter']) {
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
  const commands = ['rebound-worker', 'rebound-api', 'rebound-setup', 'platform-exporter']
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

/**
 * Runs monitoring-config's script (compose's `$$` back to `$`) on the repository's templates into a
 * temporary folder and returns the rendered files, parsed.
 */
function renderMonitoringConfig(): {
  prometheus: Record<string, unknown>;
  alertmanager: Record<string, unknown>;
  raw: string;
} {
  const script = (services['monitoring-config'].command ?? [])[2].replaceAll('$$', '$');
  mkdirSync(join(STATE_DIR, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(STATE_DIR, 'tmp', 'compose-monitoring-'));
  try {
    // One pass: the checkout itself may live under /tmp (a fresh clone), and a second replace
    // would rewrite the /tmp/ inside the config path the first one put in.
    const local = script.replace(/\/(src|tmp|rendered)\//g, (_, folder: string) =>
      folder === 'src' ? `${join(REPO_ROOT, 'config')}/` : `${dir}/`,
    );
    execFileSync('sh', ['-ec', local]);
    const prometheus = readFileSync(join(dir, 'prometheus.yml'), 'utf8');
    const alertmanager = readFileSync(join(dir, 'alertmanager.yml'), 'utf8');
    // What the containers would load must pass the tools' own checks (installed by the test
    // command with the stack). The rules file is at its container path: check the repository's.
    const rulesInContainer = /^ {2}- '(\/etc\/prometheus\/[^']+)'$/m.exec(prometheus)?.[1] ?? '';
    writeFileSync(
      join(dir, 'prometheus-local.yml'),
      prometheus.replace(rulesInContainer, join(REPO_ROOT, 'config/prometheus/rules.yml')),
    );
    execFileSync('promtool', ['check', 'config', join(dir, 'prometheus-local.yml')], { stdio: 'pipe' });
    execFileSync('amtool', ['check-config', join(dir, 'alertmanager.yml')], { stdio: 'pipe' });
    return {
      prometheus: parse(prometheus) as Record<string, unknown>,
      alertmanager: parse(alertmanager) as Record<string, unknown>,
      raw: prometheus + alertmanager,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('monitoring-config fills every ${…} name of the Prometheus and Alertmanager templates', () => {
  const rendered = renderMonitoringConfig();
  expect(rendered.raw).not.toMatch(/\$\{[A-Z_]+\}/);
  const prom = rendered.prometheus as {
    alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    rule_files: string[];
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  };
  // Both peers of the HA pair get every alert.
  expect(prom.alerting.alertmanagers[0].static_configs[0].targets).toEqual([
    'alertmanager-1:9093',
    'alertmanager-2:9093',
  ]);
  const target = (job: string) =>
    prom.scrape_configs.find((j) => j.job_name === job)?.static_configs[0].targets[0];
  expect(target('platform')).toBe(
    `platform-exporter:${services['platform-exporter'].environment?.REBOUND_EXPORTER_PORT}`,
  );
  expect(target('rebound')).toBe(`rebound-api:${services['rebound-api'].environment?.REBOUND_API_PORT}`);
  // The rules file Prometheus is told about is the one mounted there.
  expect(services.prometheus.volumes).toContain(`./config/prometheus/rules.yml:${prom.rule_files[0]}:ro`);

  const am = rendered.alertmanager as {
    receivers: {
      webhook_configs: {
        url: string;
        send_resolved: boolean;
        http_config: { authorization: { credentials_file: string } };
      }[];
    }[];
  };
  const hook = am.receivers[0].webhook_configs[0];
  expect(hook.url).toBe(
    `http://rebound-api:${services['rebound-api'].environment?.REBOUND_API_PORT}/v1/alerts/alertmanager`,
  );
  expect(hook.send_resolved).toBe(true);
  // The token file is the compose secret both peers mount.
  const secret = hook.http_config.authorization.credentials_file.replace('/run/secrets/', '');
  expect(compose.secrets[secret]?.file).toBe('./deploy/alertmanager-token');
  for (const peer of ['alertmanager-1', 'alertmanager-2']) expect(services[peer].secrets).toContain(secret);
});

test('the two Alertmanagers are peers of one another and share the rendered config', () => {
  const flag = (name: string, f: string) =>
    (services[name].command ?? []).find((a) => a.startsWith(`--${f}=`));
  expect(flag('alertmanager-1', 'cluster.peer')).toBe('--cluster.peer=alertmanager-2:9094');
  expect(flag('alertmanager-2', 'cluster.peer')).toBe('--cluster.peer=alertmanager-1:9094');
  for (const name of ['alertmanager-1', 'alertmanager-2', 'prometheus']) {
    expect(services[name].depends_on).toEqual({
      'monitoring-config': { condition: 'service_completed_successfully' },
    });
    expect(services[name].volumes?.some((v) => v.startsWith('monitoring-config:'))).toBe(true);
  }
});
