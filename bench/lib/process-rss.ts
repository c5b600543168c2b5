// Resident memory of a process group read from /proc (Linux): the benchmark's worker runs as
// `tsx workers/main.ts`, a launcher process plus the node process that runs the worker, both in
// the group `startWorkerProcess` created; the figure is their sum, so nothing the worker uses is
// left out.
import { readdirSync, readFileSync } from 'node:fs';

/** Pids whose process group is `pgid` (field 5 of /proc/<pid>/stat). */
export function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) may contain spaces: the fields after it start past its ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) pids.push(Number(entry));
    } catch {
      // The process exited while we listed /proc.
    }
  }
  return pids;
}

/** A `VmRSS`/`VmHWM`-style field of /proc/<pid>/status in KiB (0 when the process is gone). */
function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Current resident set of one process, in MiB (0 when it is gone). */
export function rssMiB(pid: number): number {
  return statusKiB(pid, 'VmRSS') / 1024;
}

/** Peak resident set (VmHWM) of one process since it started, in MiB. */
export function peakMiB(pid: number): number {
  return statusKiB(pid, 'VmHWM') / 1024;
}

/**
 * The process of the group that holds the most memory: the node process that runs the worker
 * (the tsx launcher and its esbuild service are small). Throws when the group is empty.
 */
export function largestOf(pgid: number): number {
  const pids = groupPids(pgid);
  if (pids.length === 0) throw new Error(`no process in group ${pgid}`);
  return pids.reduce((a, b) => (rssMiB(b) > rssMiB(a) ? b : a));
}

/** Current resident set of the whole group, in MiB. */
export function groupRssMiB(pgid: number): number {
  return groupPids(pgid).reduce((sum, pid) => sum + statusKiB(pid, 'VmRSS'), 0) / 1024;
}
