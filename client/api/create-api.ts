// Wires the API to real dependencies: the Temporal client, Rebound's state database, the routing
// and schedules files, the decision key and the token store. main.ts runs it as a process; the
// integration tests run it in-process with their own task-queue prefix, key and routing file.
import { join } from 'node:path';
import { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { RoutingTable } from '../../shared/routing/routing-table';
import { type ReboundConfig } from '../../shared/config';
import { REPO_ROOT } from '../../shared/paths';
import { defaultPolicyFile, loadPolicy } from '../../shared/policy/load-policy';
import { loadSigningKey, type SigningKey } from '../../shared/secrets';
import { createPool } from '../../workers/clients';
import { type TokenStore } from '../auth/token-store';
import { ConsoleReads } from '../service/console-reads';
import { ReboundService } from '../service/rebound-service';
import { connectClient } from '../temporal-client';
import { ApiMetrics } from './metrics';
import { buildApiServer } from './server';

export interface ApiFiles {
  routingFile: string;
  schedulesFile: string;
  /** The admin-owned safety policy (config/policy.yaml). */
  policyFile: string;
}

export function apiFilesFromEnv(env: NodeJS.ProcessEnv = process.env): ApiFiles {
  return {
    routingFile: env.REBOUND_ROUTING_FILE ?? join(REPO_ROOT, 'config/routing.yaml'),
    schedulesFile: env.REBOUND_SCHEDULES_FILE ?? join(REPO_ROOT, 'config/schedules.yaml'),
    policyFile: defaultPolicyFile(env),
  };
}

export interface CreateApiOptions {
  config: ReboundConfig;
  tokens: Pick<TokenStore, 'authenticate'>;
  files?: ApiFiles;
  /** Defaults to loadSigningKey() (environment, else the checkout's key file, re-read per use). */
  signingKey?: () => SigningKey;
  /** Defaults to the configured prefix; tests use their own. */
  taskQueuePrefix?: string;
  logger?: FastifyServerOptions['logger'];
  /** The process's pino logger; wins over `logger`. */
  loggerInstance?: FastifyBaseLogger;
}

export interface RunningApi {
  app: FastifyInstance;
  service: ReboundService;
  close(): Promise<void>;
}

/** Loads the policy and routing files first so a bad file fails startup (naming file and line) before any connection. */
export async function createApi(opts: CreateApiOptions): Promise<RunningApi> {
  const files = opts.files ?? apiFilesFromEnv();
  const routing = RoutingTable.load(files.routingFile, loadPolicy(files.policyFile));
  const client = await connectClient(opts.config);
  const statePool = createPool(opts.config, 'state', 20);
  const service = new ReboundService({
    client,
    config: opts.config,
    statePool,
    routing,
    schedulesFile: files.schedulesFile,
    signingKey: opts.signingKey ?? (() => loadSigningKey()),
    taskQueuePrefix: opts.taskQueuePrefix ?? opts.config.temporal.taskQueuePrefix,
  });
  const app = buildApiServer({
    service,
    tokens: opts.tokens,
    metrics: new ApiMetrics(service),
    logger: opts.logger,
    loggerInstance: opts.loggerInstance,
    bodyLimit: opts.config.api.bodyLimit,
    consoleReads: new ConsoleReads({
      client,
      statePool,
      budget: routing.budget,
      scope: opts.taskQueuePrefix ?? opts.config.temporal.taskQueuePrefix,
    }),
  });
  return {
    app,
    service,
    async close() {
      await app.close();
      await Promise.allSettled([statePool.end(), client.connection.close()]);
    },
  };
}
