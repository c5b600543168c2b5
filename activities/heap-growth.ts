// V8's old-generation growing factor, raised for the length of a bulk relay (issue 11).
//
// The worker caps every V8 heap in its process at REBOUND_WORKER_HEAP_MB (224 MiB by default:
// what keeps 1,000 waiting incidents under 512 MiB of RSS, issue 14). Below 256 MiB of limit V8
// picks its smallest growing factor (1.3): after each full collection the next one is due when the
// old generation has grown 30% over what survived. Relaying 100,000 outbox rows promotes enough
// short-lived objects (batches in flight, their encoded requests) that the worker ran a full
// collection every 300 ms, about 2 CPU-s of concurrent marking per 100,000 rows, and the replay
// took 3.3–3.8 s instead of 2.8–3.0 s (bench/reconciliation.ts, --only outbox).
//
// Raising the factor for the whole process instead cost memory where it matters: with it set for
// the worker's life, 1,000 incidents waiting for approval peaked at 543 MiB (bench/worker-rss.ts).
// So it is raised only while a bulk relay runs, and the hard limit still bounds every heap.
// Node refuses this V8 flag in NODE_OPTIONS; V8 reads it each time it sizes the old generation
// after a full collection, so setting it at run time takes effect at the next one.
import { setFlagsFromString } from 'node:v8';

/** The raised factor, as a percentage above 100 (300: the next full collection at 4× survivors). */
export const BULK_HEAP_GROWING_PERCENT = 300;

/** Sets V8 flags (node:v8's setFlagsFromString, or a fake in tests). */
export type SetV8Flags = (flags: string) => void;

/**
 * Runs `work` with the process's heap growing factor at BULK_HEAP_GROWING_PERCENT, back to V8's
 * own choice (percent 0) when the last overlapping call ends, whether `work` resolves or throws.
 * Returns (or rethrows) what `work` does.
 */
export function createHeapGrowth(setFlags: SetV8Flags = setFlagsFromString) {
  let running = 0;
  return async function withRoomyHeap<T>(work: () => Promise<T>): Promise<T> {
    if (running++ === 0) setFlags(`--heap-growing-percent=${BULK_HEAP_GROWING_PERCENT}`);
    try {
      return await work();
    } finally {
      if (--running === 0) setFlags('--heap-growing-percent=0');
    }
  };
}

/** The process's one counter (the flag is process-wide). */
export const withRoomyHeap = createHeapGrowth();
