// CPU burned on purpose, for tests of the benchmarks' CPU windows (bench/lib/).

/**
 * Spins on this thread until this process has used `ms` more milliseconds of CPU time (user +
 * system), however loaded the machine is: the wall time it takes varies, the CPU time does not.
 */
export function burnCpu(ms: number): void {
  const from = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(from);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
}
