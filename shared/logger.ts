// The one structured logger of the API, the worker and the consumer runtime (Node only; workflows
// log through the SDK's workflow logger, which the worker forwards here). JSON lines by default so
// log files can be searched and shipped; human-readable when the output is a terminal or
// REBOUND_LOG_FORMAT=pretty. pino is the logger Fastify ships, so the API's request logs and
// Rebound's own lines share one format.
import { type LogLevel as SdkLogLevel, type LogMetadata, type Logger as SdkLogger } from '@temporalio/common';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/** `json`: one JSON object a line; `pretty`: colourless readable lines; `auto`: pretty on a TTY. */
export type LogFormat = 'json' | 'pretty' | 'auto';

export interface LoggerOptions {
  /** pino level name; default `info`. */
  level?: string;
  /** Default `auto`; processes pass `config.logFormat` (REBOUND_LOG_FORMAT). */
  format?: LogFormat;
  /** Where lines go; default stdout. Tests pass a stream to capture them. */
  destination?: NodeJS.WritableStream;
}

function resolveFormat(format: LogFormat | undefined, destination: NodeJS.WritableStream): 'json' | 'pretty' {
  const wanted = format ?? 'auto';
  if (wanted === 'json' || wanted === 'pretty') return wanted;
  return (destination as { isTTY?: boolean }).isTTY ? 'pretty' : 'json';
}

/**
 * Creates the logger of one Rebound process. `name` becomes the `name` field of every line
 * (`api`, `worker`, `consumer`, …). Never throws.
 */
export function createLogger(name: string, opts: LoggerOptions = {}): Logger {
  const destination = opts.destination ?? process.stdout;
  const format = resolveFormat(opts.format, destination);
  const base = { name, level: opts.level ?? 'info' };
  if (format === 'json') return pino(base, destination);
  // pino-pretty as a synchronous stream (not a transport thread): lines appear in order with
  // console output and nothing is lost when the process exits right after logging.
  return pino(base, pretty({ destination, sync: true, colorize: false, translateTime: 'SYS:HH:MM:ss.l' }));
}

// SDK messages that repeat on every worker start or test and say nothing actionable: the dev
// server lacks the worker-heartbeat capability; a workflow-only worker polls no activities;
// workers report each state change. They go to debug instead of info/warn.
const SDK_NOISE = [
  'No activities registered, not polling',
  'No Nexus services registered, not polling',
  'No workflows registered, not polling',
  'Temporal Server 1.16.0 or newer is required to guarantee that the latest heartbeat details',
  'Worker state changed',
  'Worker heartbeating configured for runtime, but server version does not support it',
  'Network error while describing namespace for heartbeat capabilities',
  'Server does not support the worker_commands capability',
];

/** True for an SDK log line that `sdkLogger` lowers to debug. */
export function isSdkNoise(message: string): boolean {
  return SDK_NOISE.some((prefix) => message.startsWith(prefix));
}

const SDK_LEVELS: Record<SdkLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Adapts a pino logger to the Temporal SDK's `Logger` interface, for `Runtime.install({ logger })`:
 * the SDK's core, worker and workflow logs then come out as the process's own structured lines.
 */
export function sdkLogger(logger: Logger): SdkLogger {
  const log = (level: SdkLogLevel, message: string, meta?: LogMetadata): void => {
    const target = isSdkNoise(message) ? 'debug' : SDK_LEVELS[level];
    logger[target]({ ...meta, sdk: true }, message);
  };
  return {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}
