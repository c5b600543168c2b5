// Wires the API to real dependencies: the Temporal client, Rebound's state database, the routing
// and schedules files, the decision key and the token store. main.ts runs it as a process; the
// integration tests run it in-process with their own task-queue prefix, key and routing file.
import { join } from 'node:path';
import { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { RoutingTable } from '../../shared/routing/routing-table';
import { type ReboundConfig } from '../../shared/config';
import { REPO_ROOT } from '../../shared/paths';
import { loadDecisionKey } from '../../shared/secrets';
import { createPool } from '../../workers/clients';
import { type TokenStore } from '../auth/token-store';
import { ReboundService } from '../service/rebound-service';
import { connectClient } from '../temporal-client';
import { ApiMetrics } from './metrics';
import { buildApiServer } from './server';

export interface ApiFiles {
  routingFile: string;
  schedulesFile: string;
}

export function apiFilesFromEnv(env: NodeJS.ProcessEnv = process.env): ApiFiles {
  return {
    routingFile: env.REBOUND_ROUTING_FILE ?? join(REPO_ROOT, 'config/routing.yaml'),
    schedulesFile: env.REBOUND_SCHEDULES_FILE ?? join(REPO_ROOT, 'config/schedules.yaml'),
  };
}

export interface CreateApiOptions {
  config: ReboundConfig;
  tokens: Pick<TokenStore, 'authenticate'>;
  files?: ApiFiles;
  decisionKey?: string;
  /** Defaults to the configured prefix; tests use their own. */
  taskQueuePrefix?: string;
  logger?: FastifyServerOptions['logger'];
}

export interface RunningApi {
  app: FastifyInstance;
  service: ReboundService;
  close(): Promise<void>;
}

/** Loads the routing file first so a bad file fails startup (naming file and line) before any connection. */
export async function createApi(opts: CreateApiOptions): Promise<RunningApi> {
  const files = opts.files ?? apiFilesFromEnv();
  const routing = RoutingTable.load(files.routingFile);
  const client = await connectClient(opts.config);
  const statePool = createPool(opts.config, 'state', 20);
  const service = new ReboundService({
    client,
    config: opts.config,
    statePool,
    routing,
    schedulesFile: files.schedulesFile,
    decisionKey: opts.decisionKey ?? loadDecisionKey(),
    taskQueuePrefix: opts.taskQueuePrefix ?? opts.config.temporal.taskQueuePrefix,
  });
  const app = buildApiServer({
    service,
    tokens: opts.tokens,
    metrics: new ApiMetrics(service),
    logger: opts.logger,
    bodyLimit: opts.config.api.bodyLimit,
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
