// The environment a worker process starts with, bounding its memory: the V8 old-space limit of
// REBOUND_WORKER_HEAP_MB and two malloc arenas. Measured with bench/worker-rss.ts (1,000 incidents
// waiting for approval): default 920 MiB peak RSS, two arenas alone 840 MiB, with a 192 MiB
// old space 450 MiB. The stack's launcher (scripts/stack/services.d/10-worker.sh) sets the same two.
import { type ReboundConfig } from '../shared/config';

/** glibc's arenas: one per thread by default (the SDK's native threads add several). */
export const WORKER_MALLOC_ARENAS = '2';

/**
 * `NODE_OPTIONS` and `MALLOC_ARENA_MAX` for a worker process, from `env` and the config: the
 * old-space limit goes before any NODE_OPTIONS already set (a later flag wins, so an operator's
 * own `--max-old-space-size` still applies); an arena count already set is kept.
 */
export function workerMemoryEnv(
  config: Pick<ReboundConfig, 'worker'>,
  env: NodeJS.ProcessEnv = process.env,
): { NODE_OPTIONS: string; MALLOC_ARENA_MAX: string } {
  const own = `--max-old-space-size=${config.worker.heapMb}`;
  return {
    NODE_OPTIONS: env.NODE_OPTIONS ? `${own} ${env.NODE_OPTIONS}` : own,
    MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX || WORKER_MALLOC_ARENAS,
  };
}
