// Where one thread's time went over a timed window, from Linux's scheduler statistics
// (/proc/<pid>/task/<tid>/schedstat: nanoseconds on a core, nanoseconds runnable but waiting for
// one, timeslices). The outbox benchmark reads it for the JavaScript thread that produces: the
// benchmark's own main thread for raw sends, the stack worker's main thread (where activities
// run) for the playbook. On a machine whose few cores are shared with PostgreSQL, the broker and
// Temporal, time spent waiting for a core is part of a run's length that no change to the thread's
// own code removes; the machine-wide CPU window (machine-cpu.ts) shows how busy the cores were.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_DIR } from '../../shared/paths';
import { largestOf } from './process-rss';

/** One thread's counters as the kernel keeps them, in nanoseconds since the thread started. */
export interface Schedstat {
  /** Time on a core. */
  runNs: number;
  /** Time runnable, in a run queue, waiting for a core. */
  waitNs: number;
}

/** What a thread did over a window, in seconds. */
export interface ThreadWindow {
  /** Time it ran on a core (s). */
  cpuSeconds: number;
  /** Time it was ready to run but waited for a core (s). */
  waitSeconds: number;
}

/**
 * Parses the text of a schedstat file ("<run ns> <wait ns> <timeslices>\n"). Throws an Error for
 * anything else (a kernel without schedstats writes nothing there).
 */
export function parseSchedstat(text: string): Schedstat {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 3 || !fields.every((f) => /^\d+$/.test(f))) {
    throw new Error(`not a schedstat line: ${JSON.stringify(text)}`);
  }
  return { runNs: Number(fields[0]), waitNs: Number(fields[1]) };
}

/** The counters of the main thread of process `pid` (its thread id is the pid); null if unreadable. */
export function readSchedstat(pid: number): Schedstat | null {
  try {
    return parseSchedstat(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8'));
  } catch {
    return null; // not Linux, no schedstats, or the process is gone
  }
}

/**
 * Starts a window on the main thread of `pid`; the returned function ends it. Either returns null
 * when the counters cannot be read (at the start or the end). Never throws.
 */
export function startThreadWindow(pid: number): () => ThreadWindow | null {
  const from = readSchedstat(pid);
  return () => {
    const to = readSchedstat(pid);
    if (!from || !to) return null;
    return { cpuSeconds: (to.runNs - from.runNs) / 1e9, waitSeconds: (to.waitNs - from.waitNs) / 1e9 };
  };
}

/**
 * The node process that runs the stack's worker: `stack up` starts `tsx workers/main.ts` as the
 * leader of its own process group (its pid in run/worker.pid) and tsx runs the worker as its
 * child; the group's largest process is the worker. Null when the stack's worker is not running.
 */
export function stackWorkerPid(stateDir: string = STATE_DIR): number | null {
  try {
    const leader = Number(readFileSync(join(stateDir, 'run', 'worker.pid'), 'utf8').trim());
    return Number.isInteger(leader) && leader > 0 ? largestOf(leader) : null;
  } catch {
    return null; // no pid file, or an empty group: the worker is down
  }
}
