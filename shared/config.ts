// The one configuration module: every address and setting, parsed once from the environment with
// zod, with working local defaults. A bad value fails fast naming the variable.
import { z } from 'zod';

const hostPort = z.string().regex(/^[^:\s]+:\d{1,5}$/, 'expected host:port');
const port = z.coerce.number().int().min(1).max(65535);

const schema = z.object({
  REBOUND_TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  REBOUND_TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  REBOUND_TEMPORAL_UI_PORT: port.default(8233),
  REBOUND_TASK_QUEUE_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes')
    .default('rebound'),
  REBOUND_PG_HOST: z.string().min(1).default('127.0.0.1'),
  REBOUND_PG_PORT: port.default(5432),
  REBOUND_PG_USER: z.string().min(1).default('rebound'),
  REBOUND_PG_PASSWORD: z.string().min(1).default('rebound-dev'),
  REBOUND_PLATFORM_DB: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('platform'),
  REBOUND_STATE_DB: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('rebound'),
  REBOUND_REDIS_URL: z
    .string()
    .regex(/^redis:\/\/[^:/\s]+:\d{1,5}(\/\d+)?$/, 'expected redis://host:port[/db]')
    .default('redis://127.0.0.1:6379'),
  REBOUND_KAFKA_BROKERS: z
    .string()
    .regex(/^[^:,\s]+:\d{1,5}(,[^:,\s]+:\d{1,5})*$/, 'expected host:port[,host:port…]')
    .default('127.0.0.1:9092'),
  REBOUND_KAFKA_CONTROLLER_PORT: port.default(19093),
  // Optional: every broker connection goes to this host:port instead of the address the broker
  // advertises (a TCP proxy or tunnel in front of a single-broker cluster, e.g. the chaos
  // harness's Toxiproxy). Unset: connect where the broker says.
  REBOUND_KAFKA_CONNECT_VIA: z
    .string()
    .regex(/^[^:,\s]+:\d{1,5}$/, 'expected host:port')
    .optional(),
  REBOUND_API_HOST: z.string().min(1).default('127.0.0.1'),
  REBOUND_API_PORT: port.default(8080),
  // Alertmanager drops a notification answered 4xx: never below 16 MiB (issue 10).
  REBOUND_API_BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(16 * 1_048_576, 'at least 16 MiB (16777216)')
    .default(16 * 1_048_576),
  // Issue 13: the reference platform's exporter, Prometheus and Alertmanager of the local stack.
  REBOUND_EXPORTER_PORT: port.default(9102),
  // Loopback on a laptop; 0.0.0.0 in a container, where Prometheus scrapes it from another host.
  REBOUND_EXPORTER_HOST: z.string().min(1).default('127.0.0.1'),
  REBOUND_PROMETHEUS_PORT: port.default(9090),
  REBOUND_ALERTMANAGER_PORT: port.default(9093),
  REBOUND_ALERTMANAGER_CLUSTER_PORT: port.default(9094),
  // The worker's V8 old-space limit, MiB (issue 14: ≤ 512 MiB RSS with 1,000 incidents waiting).
  // Without it V8 lets replayed-and-evicted workflow state pile up to its own limit (gigabytes)
  // before collecting: 920 MiB at 1,000 waiting incidents, 450 MiB with 192 (bench/worker-rss.ts).
  REBOUND_WORKER_HEAP_MB: z.coerce.number().int().min(128, 'at least 128').default(224),
  REBOUND_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** json: one object a line; pretty: readable lines; auto: pretty on a terminal, else json. */
  REBOUND_LOG_FORMAT: z.enum(['json', 'pretty', 'auto']).default('auto'),
});

export type RawConfig = z.infer<typeof schema>;

export interface ReboundConfig {
  temporal: { address: string; namespace: string; uiPort: number; taskQueuePrefix: string };
  postgres: {
    host: string;
    port: number;
    user: string;
    password: string;
    platformDb: string;
    stateDb: string;
  };
  redis: { url: string };
  kafka: {
    brokers: string[];
    controllerPort: number;
    /** Where every broker connection goes instead of the advertised address (host:port), if set. */
    connectVia?: string;
  };
  api: { host: string; port: number; /** Request body limit, bytes. */ bodyLimit: number };
  /** Loopback ports of the monitoring part of the local stack (issue 13). */
  monitoring: {
    exporterPort: number;
    /** Interface the reference platform's exporter listens on. */
    exporterHost: string;
    prometheusPort: number;
    alertmanagerPort: number;
    alertmanagerClusterPort: number;
  };
  /** The worker process: its V8 old-space limit, MiB. */
  worker: { heapMb: number };
  logLevel: RawConfig['REBOUND_LOG_LEVEL'];
  logFormat: RawConfig['REBOUND_LOG_FORMAT'];
  raw: RawConfig;
}

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ReboundConfig {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map(
      (i) => `  ${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`,
    );
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = result.data;
  return {
    temporal: {
      address: c.REBOUND_TEMPORAL_ADDRESS,
      namespace: c.REBOUND_TEMPORAL_NAMESPACE,
      uiPort: c.REBOUND_TEMPORAL_UI_PORT,
      taskQueuePrefix: c.REBOUND_TASK_QUEUE_PREFIX,
    },
    postgres: {
      host: c.REBOUND_PG_HOST,
      port: c.REBOUND_PG_PORT,
      user: c.REBOUND_PG_USER,
      password: c.REBOUND_PG_PASSWORD,
      platformDb: c.REBOUND_PLATFORM_DB,
      stateDb: c.REBOUND_STATE_DB,
    },
    redis: { url: c.REBOUND_REDIS_URL },
    kafka: {
      brokers: c.REBOUND_KAFKA_BROKERS.split(','),
      controllerPort: c.REBOUND_KAFKA_CONTROLLER_PORT,
      connectVia: c.REBOUND_KAFKA_CONNECT_VIA,
    },
    api: { host: c.REBOUND_API_HOST, port: c.REBOUND_API_PORT, bodyLimit: c.REBOUND_API_BODY_LIMIT },
    monitoring: {
      exporterPort: c.REBOUND_EXPORTER_PORT,
      exporterHost: c.REBOUND_EXPORTER_HOST,
      prometheusPort: c.REBOUND_PROMETHEUS_PORT,
      alertmanagerPort: c.REBOUND_ALERTMANAGER_PORT,
      alertmanagerClusterPort: c.REBOUND_ALERTMANAGER_CLUSTER_PORT,
    },
    worker: { heapMb: c.REBOUND_WORKER_HEAP_MB },
    logLevel: c.REBOUND_LOG_LEVEL,
    logFormat: c.REBOUND_LOG_FORMAT,
    raw: c,
  };
}

/** The names of the variables, for help texts and the compose file check. */
export const configVariables = Object.keys(schema.shape) as (keyof RawConfig)[];
