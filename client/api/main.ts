// The Rebound API process (`stack up` starts it, or `npx tsx client/api/main.ts`): listens on
// REBOUND_API_HOST:REBOUND_API_PORT (default 127.0.0.1:8080) until SIGINT/SIGTERM, then drains.
// Startup fails fast, naming the file, on an invalid routing or tokens file.
import { loadConfig } from '../../shared/config';
import { createLogger } from '../../shared/logger';
import { TokenStore } from '../auth/token-store';
import { createApi } from './create-api';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('api', { level: config.logLevel, format: config.logFormat });
  const tokens = TokenStore.fromEnvironment();
  const api = await createApi({
    config,
    tokens,
    // Fastify's default serializers log method and URL, never headers: tokens stay out of logs.
    loggerInstance: logger,
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    api.app.log.info(`${signal}: closing`);
    api.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const address = await api.app.listen({ host: config.api.host, port: config.api.port });
  logger.info({ pid: process.pid, address, taskQueuePrefix: config.temporal.taskQueuePrefix }, 'listening');
}

main().catch((err: unknown) => {
  createLogger('api').fatal({ err }, 'fatal');
  process.exit(1);
});
