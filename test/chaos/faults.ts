// The faults the chaos command injects while a playbook runs on the real stack. Each waits for its
// moment (a step boundary: the number of steps the run has finished), breaks something the way an
// operator or the machine would (SIGKILL by pid, a part stopped and started with `stack up`), and
// returns when the stack is whole again, with the time it was broken.
import { type WorkflowHandle } from '@temporalio/client';
import { FAULT_INJECTION_ENABLED, FAULT_INJECTION_ENV } from '../../activities/org/fault-injection';
import { statusQuery } from '../../shared/workflow-interface';
import { ACTIVITY_DELAY_ENV } from '../../workers/test-activity-delay';
import { killPart, stackUp, stopPart } from '../support/stack-parts';
import { type WorkerProcess } from '../support/worker-process';

export interface RunControl {
  prefix: string;
  handle: WorkflowHandle;
  workers: WorkerProcess[];
  /**
   * Starts one more worker process of the run (its prefix, the scenario's and the fault's
   * environment, `env` on top).
   */
  startWorker: (env?: NodeJS.ProcessEnv) => Promise<WorkerProcess>;
  /** Whether the workflow has closed. */
  closed: () => Promise<boolean>;
}

export interface ChaosFault {
  name: string;
  /** Workers to start before the trigger (two: both poll the same queues). */
  workers?: number;
  /** Start the same workflow id twice at once (a duplicate trigger). */
  duplicateTrigger?: boolean;
  /** Environment of the case's workers (a network fault routes them through Toxiproxy). */
  workerEnv?: NodeJS.ProcessEnv;
  /**
   * The run may end `escalated` instead of `recovered` (a network fault may outlast its retries):
   * it passes if nothing was doubled. A run that claims `recovered` must still hold its invariant.
   */
  mayEscalate?: boolean;
  /**
   * Injects the fault; resolves once the stack is whole again, with whether the fault hit the run
   * while it was still running (false: it closed first, and the case proves nothing).
   */
  inject?: (run: RunControl) => Promise<boolean>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `n` steps have finished (or the run closed first: returns false). */
export async function atStepBoundary(run: RunControl, n: number, timeoutMs = 300_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await run.closed()) return false;
    const s = await run.handle.query(statusQuery).catch(() => undefined);
    if (s && s.steps.filter((x) => x.state !== 'running').length >= n) return true;
    await sleep(50);
  }
  throw new Error(`step boundary ${n} not reached in ${timeoutMs} ms`);
}

/**
 * How long the first worker of a SIGKILL case holds each activity before running it (ms; see
 * workers/test-activity-delay.ts): longer than the harness needs to see a boundary and kill
 * (a 50 ms poll, a status query), so the kill after step N lands before step N+1 runs even when
 * the rest of the run takes milliseconds. The replacement worker runs without it.
 */
export const KILL_CASE_ACTIVITY_DELAY_MS = 400;

/** SIGKILL of every worker on the run's queues once `n` steps have finished, then a new worker. */
export function workerKillAt(n: number): ChaosFault {
  return {
    name: `worker SIGKILL after step ${n}`,
    workerEnv: {
      [FAULT_INJECTION_ENV]: FAULT_INJECTION_ENABLED,
      [ACTIVITY_DELAY_ENV]: String(KILL_CASE_ACTIVITY_DELAY_MS),
    },
    inject: async (run) => {
      if (!(await atStepBoundary(run, n))) return false;
      for (const w of run.workers.splice(0)) await w.kill('SIGKILL');
      const hit = !(await run.closed());
      run.workers.push(await run.startWorker({ [ACTIVITY_DELAY_ENV]: '0' }));
      return hit;
    },
  };
}

/** A stack part stopped for `seconds` after the first step, then started again with `stack up`. */
export function outage(part: 'postgres' | 'redis' | 'kafka', seconds = 30): ChaosFault {
  return {
    name: `${part} stopped ${seconds} s`,
    inject: async (run) => {
      if (!(await atStepBoundary(run, 1))) return false;
      await stopPart(part);
      // Asked while the part is down: a run that answers RUNNING now met the outage.
      const hit = !(await run.closed());
      await sleep(seconds * 1000);
      await stackUp();
      return hit;
    },
  };
}

/** The Temporal server SIGKILLed after the first step and started again (its SQLite file kept). */
export const temporalRestart: ChaosFault = {
  name: 'Temporal server killed and restarted',
  inject: async (run) => {
    if (!(await atStepBoundary(run, 1))) return false;
    const hit = !(await run.closed());
    await killPart('temporal');
    await stackUp();
    return hit;
  },
};

export const twoWorkers: ChaosFault = { name: 'two workers at once', workers: 2 };
export const duplicateTrigger: ChaosFault = { name: 'duplicate trigger', duplicateTrigger: true };
export const noFault: ChaosFault = { name: 'no fault (reference run)' };
