// The chaos matrix: playbooks × faults, each cell one or more runs (the worker SIGKILL cell runs
// once per step boundary of the playbook, learned from a reference run without faults), folded
// into one row per playbook × fault.
import { type Client } from '@temporalio/client';
import {
  duplicateTrigger,
  noFault,
  outage,
  temporalRestart,
  twoWorkers,
  workerKillAt,
  type ChaosFault,
} from './faults';
import { networkFaults, openNetworkLab, PROXIED_DEPENDENCIES, type NetworkLab } from './network-faults';
import { runCase, type CaseResult } from './run-case';
import { CHAOS_SCENARIOS, type ChaosStores } from './scenarios';

export interface MatrixRow {
  playbook: string;
  fault: string;
  runs: number;
  passed: number;
  doubled: number;
  lost: number;
  /** Longest time from the stack being whole again to the run's close, ms. */
  recoverMs: number;
  failures: string[];
  /** Set when the cell was not run because it cannot apply (see ChaosScenario.untouched): why. */
  notApplicable?: string;
}

/** Every fault family `--faults` accepts. */
export const FAULT_FAMILIES: readonly string[] = [
  'kill',
  'temporal',
  'postgres',
  'redis',
  'kafka',
  'network',
  ...PROXIED_DEPENDENCIES.map((d) => `network-${d}`),
  'two-workers',
  'duplicate',
];

export interface MatrixOptions {
  playbooks?: string[];
  /**
   * Fault families: kill, temporal, postgres, redis, kafka, network (or network-postgres,
   * network-redis, network-temporal, network-kafka), two-workers, duplicate.
   */
  faults?: string[];
  /** One crash point (after the first step) and one outage (Kafka or Redis) per playbook. */
  fast?: boolean;
  outageSeconds?: number;
  /** The kill family at these step boundaries only (inclusive; those past the run's end are skipped). */
  killSteps?: { from: number; to: number };
  log?: (line: string) => void;
}

/** How many times a case whose run closed before its fault is run again (see runChaosMatrix). */
export const UNEXERCISED_RETRIES = 2;

/** The fast subset's outage per playbook: a store its steps write to. */
const OUTAGE_OF: Record<string, 'kafka' | 'redis' | 'postgres'> = {
  'outbox-replay': 'kafka',
  'entitlement-resync': 'redis',
  'cache-repair': 'redis',
  'quarantine-redrive': 'kafka',
  'org-deletion': 'postgres',
  'consumer-safe-mode-restart': 'redis',
  'partition-merge': 'postgres',
};

function fold(playbook: string, fault: string, cases: CaseResult[]): MatrixRow {
  return {
    playbook,
    fault,
    runs: cases.length,
    passed: cases.filter((c) => c.passed).length,
    doubled: cases.reduce((n, c) => n + c.doubled, 0),
    lost: cases.reduce((n, c) => n + c.lost, 0),
    recoverMs: Math.max(0, ...cases.map((c) => c.recoverMs)),
    failures: cases.filter((c) => !c.passed).map((c) => `${c.fault}: ${c.outcome}; ${c.detail}`),
  };
}

/** Runs the matrix; one row per playbook × fault family. */
export async function runChaosMatrix(
  client: Client,
  stores: ChaosStores,
  o: MatrixOptions,
): Promise<MatrixRow[]> {
  const rows: MatrixRow[] = [];
  const want = (family: string) => !o.faults || o.faults.includes(family);
  const seconds = o.outageSeconds ?? 30;
  // Toxiproxy, started once for the run's network cells (and stopped at the end).
  let lab: NetworkLab | undefined;
  try {
    for (const scenario of CHAOS_SCENARIOS.filter((s) => !o.playbooks || o.playbooks.includes(s.playbook))) {
      const cell = async (family: string, faults: ChaosFault[]) => {
        const cases: CaseResult[] = [];
        for (const f of faults) {
          let c = await runCase(client, stores, scenario, f);
          o.log?.(
            `${scenario.playbook} | ${c.fault}: ${c.passed ? 'pass' : 'FAIL'} (${c.outcome}, lost ${c.lost}, doubled ${c.doubled}, recovered in ${c.recoverMs} ms; ${c.detail})`,
          );
          // A run that closed before its fault went in (a late step boundary of a fast run) says
          // nothing: the same case runs again on fresh fixtures, at most UNEXERCISED_RETRIES
          // times. A wrong end state is never retried away: only an unexercised, correct run is.
          for (
            let retry = 1;
            !c.exercised &&
            c.outcome === 'recovered' &&
            c.lost === 0 &&
            c.doubled === 0 &&
            retry <= UNEXERCISED_RETRIES;
            retry++
          ) {
            c = await runCase(client, stores, scenario, f);
            c.detail = `again after ${retry} unexercised run(s): ${c.detail}`;
            o.log?.(
              `${scenario.playbook} | ${c.fault} (again, ${retry}): ${c.passed ? 'pass' : 'FAIL'} (${c.outcome}, lost ${c.lost}, doubled ${c.doubled}, recovered in ${c.recoverMs} ms; ${c.detail})`,
            );
          }
          cases.push(c);
        }
        rows.push(fold(scenario.playbook, family, cases));
      };
      if (o.fast) {
        await cell('worker SIGKILL after step 1', [workerKillAt(1)]);
        const part = OUTAGE_OF[scenario.playbook] ?? 'postgres';
        await cell(`${part} stopped ${seconds} s`, [outage(part, seconds)]);
        continue;
      }
      // The reference run: passes without faults and tells how many step boundaries there are.
      const reference = await runCase(client, stores, scenario, noFault);
      o.log?.(
        `${scenario.playbook} | reference: ${reference.passed ? 'pass' : 'FAIL'}, ${reference.steps} steps; ${reference.detail}`,
      );
      rows.push(fold(scenario.playbook, noFault.name, [reference]));
      if (want('kill')) {
        const boundaries = Array.from({ length: Math.max(1, reference.steps - 1) }, (_, i) => i + 1);
        const k = o.killSteps;
        await cell(
          k ? `worker SIGKILL at step boundaries ${k.from}–${k.to}` : 'worker SIGKILL at every step boundary',
          boundaries.filter((n) => !k || (n >= k.from && n <= k.to)).map(workerKillAt),
        );
      }
      if (want('temporal')) await cell(temporalRestart.name, [temporalRestart]);
      for (const part of ['postgres', 'redis', 'kafka'] as const) {
        if (!want(part)) continue;
        const why = scenario.untouched?.[part];
        if (why === undefined) {
          await cell(`${part} stopped ${seconds} s`, [outage(part, seconds)]);
          continue;
        }
        o.log?.(`${scenario.playbook} | ${part} stopped ${seconds} s: not applicable (${why})`);
        rows.push({ ...fold(scenario.playbook, `${part} stopped ${seconds} s`, []), notApplicable: why });
      }
      // `network` is every dependency; `network-<dependency>` one of them.
      for (const dep of PROXIED_DEPENDENCIES.filter((d) => want('network') || want(`network-${d}`))) {
        lab ??= await openNetworkLab(o.log);
        await cell(`network faults on ${dep} (latency, reset, 60 s blackhole)`, networkFaults(lab, dep));
      }
      if (want('two-workers')) await cell(twoWorkers.name, [twoWorkers]);
      if (want('duplicate')) await cell(duplicateTrigger.name, [duplicateTrigger]);
    }
  } finally {
    await lab?.stop();
  }
  return rows;
}

/** The matrix as Markdown. */
export function chaosTable(rows: MatrixRow[]): string {
  return [
    '| playbook | fault | runs | passed | effects doubled | data lost | time to recover (max) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) =>
      r.notApplicable !== undefined
        ? `| ${r.playbook} | ${r.fault} | 0 | not applicable: ${r.notApplicable} | | | |`
        : `| ${r.playbook} | ${r.fault} | ${r.runs} | ${r.passed} | ${r.doubled} | ${r.lost} | ${(r.recoverMs / 1000).toFixed(1)} s |`,
    ),
    ...rows.flatMap((r) => r.failures.map((f) => `\nfailure — ${r.playbook}: ${f}`)),
  ].join('\n');
}
