// Busy CPU time of the whole machine over a timed window, from node:os (on Linux, /proc/stat).
// The outbox benchmark's two sides use the cores differently: raw sends keep one JavaScript thread
// busy, while the playbook's work is spread over the worker, its PostgreSQL backend, the broker
// and Temporal. On a machine with few cores, the busy CPU time of a window divided by the number
// of cores is a lower bound for that window's length: what no overlapping of the work can beat.
import { cpus } from 'node:os';

/** Busy CPU time of one timed window, summed over every core and every process. */
export interface CpuWindow {
  /** user + nice + sys + irq time over all cores, in CPU-seconds (10 ms resolution per core). */
  busyCpuSeconds: number;
  /** Logical cores the machine has (os.cpus().length). */
  cores: number;
  /** busyCpuSeconds / cores: the shortest the window could have been with every core busy (s). */
  floorSeconds: number;
}

/** Busy time of every core so far, in ms (os.cpus() times; idle excluded). */
function busyMs(): number {
  let ms = 0;
  for (const c of cpus()) ms += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  return ms;
}

/**
 * Starts a window; the returned function ends it and says how much CPU the whole machine used in
 * between (every process, not only this one). Never throws.
 */
export function startCpuWindow(): () => CpuWindow {
  const from = busyMs();
  return () => {
    const cores = cpus().length;
    const busyCpuSeconds = Math.max(0, busyMs() - from) / 1000;
    return { busyCpuSeconds, cores, floorSeconds: busyCpuSeconds / cores };
  };
}
