// Installs the Temporal SDK's Runtime with Rebound's structured logger: the SDK's TypeScript logs
// become lines of the process's pino logger, with the known repeated notices lowered to debug (see
// shared/logger.ts). The Rust core's logs (WARN and up) are forwarded to the same logger in
// long-running processes; forwarding keeps a pump alive in the event loop, so short-lived
// processes (tests) let the core print only its errors instead.
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { sdkLogger, type Logger } from '../shared/logger';

export interface SdkRuntimeOptions {
  /** Signals on which the Runtime shuts workers down gracefully (the worker process). */
  shutdownSignals?: NodeJS.Signals[];
  /** Forward the core's WARN+ logs to `logger` (default true); false: core prints ERROR only. */
  forwardCoreLogs?: boolean;
}

/**
 * Installs the Runtime once per process. Throws the SDK's error if a Runtime is already installed
 * (callers that may run twice, such as Jest setup files, catch it).
 */
export function installSdkRuntime(logger: Logger, opts: SdkRuntimeOptions = {}): void {
  const forward = opts.forwardCoreLogs ?? true;
  Runtime.install({
    logger: sdkLogger(logger),
    ...(opts.shutdownSignals ? { shutdownSignals: opts.shutdownSignals } : {}),
    telemetryOptions: {
      logging: forward
        ? { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} }
        : { filter: makeTelemetryFilterString({ core: 'ERROR' }), console: {} },
    },
  });
}
