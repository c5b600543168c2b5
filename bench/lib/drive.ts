// Fixed-concurrency load: `c` loops that each take the next index and await `send(i)`, timing each
// call. Shared by the alert-storm benchmark and its HTTP load process.

/** One side's run: wall time (s), each call's latency (ms, sorted), calls that failed. */
export interface Run {
  seconds: number;
  latenciesMs: number[];
  failures: number;
}

/** Runs `send(i)` for i in 0..n-1 with `c` in flight at a time; a throw or `false` is a failure. */
export async function drive(n: number, c: number, send: (i: number) => Promise<boolean>): Promise<Run> {
  const latenciesMs: number[] = [];
  let failures = 0;
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        const ok = await send(i).catch(() => false);
        latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (!ok) failures += 1;
      }
    }),
  );
  return {
    seconds: Number(process.hrtime.bigint() - start) / 1e9,
    latenciesMs: latenciesMs.sort((a, b) => a - b),
    failures,
  };
}
