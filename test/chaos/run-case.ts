// One cell of the chaos matrix: a scenario's playbook run on the real stack (a worker process of
// its own on a fresh task-queue prefix, the stack's Temporal, PostgreSQL, Redis and Kafka) under
// one fault, then its invariant counted in the real stores.
import { randomUUID } from 'node:crypto';
import { type Client, type WorkflowHandle, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { startPlaybook } from '../../client/start-playbook';
import { type PlaybookResult } from '../../shared/workflow-interface';
import { uniquePrefix } from '../support/temporal-env';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';
import { approveGates, type Approver } from './approver';
import { type ChaosFault, type RunControl } from './faults';
import { type ChaosScenario, type ChaosStores } from './scenarios';

export interface CaseResult {
  playbook: string;
  fault: string;
  passed: boolean;
  outcome: string;
  lost: number;
  doubled: number;
  /** From the end of the injection (stack whole again) to the run's close, ms. */
  recoverMs: number;
  /** Finished steps of the run (the reference run tells how many boundaries there are). */
  steps: number;
  /**
   * false when the run closed before the fault went in: the case proves nothing either way (a
   * wrong end state still fails it; the matrix runs an unexercised case again, see matrix.ts).
   */
  exercised: boolean;
  detail: string;
}

/** Runs one case; never throws for what the run does (a failure is a failed case). */
export async function runCase(
  client: Client,
  stores: ChaosStores,
  scenario: ChaosScenario,
  fault: ChaosFault,
  timeoutMs = 600_000,
): Promise<CaseResult> {
  const base = { playbook: scenario.playbook, fault: fault.name };
  const prefix = uniquePrefix(`chaos-${scenario.playbook}`);
  const workers: WorkerProcess[] = [];
  let prepared: Awaited<ReturnType<ChaosScenario['prepare']>> | undefined;
  let approver: Approver | undefined;
  let handle: WorkflowHandle | undefined;
  try {
    prepared = await scenario.prepare(stores);
    // The scenario's environment, and the fault's on top (a network fault's proxies).
    const env = { ...prepared.workerEnv, ...fault.workerEnv };
    const startWorker = (extra: NodeJS.ProcessEnv = {}) => startWorkerProcess(prefix, { ...env, ...extra });
    for (let i = 0; i < (fault.workers ?? 1); i++) workers.push(await startWorker());
    const workflowId = `chaos/${scenario.playbook}/${randomUUID()}`;
    const start = () =>
      startPlaybook(client, {
        playbook: scenario.playbook,
        params: prepared!.params,
        context: {
          resource: prepared!.resource,
          initiator: 'chaos',
          reason: fault.name,
          ...(prepared!.approvalPolicy ? { approvalPolicy: prepared!.approvalPolicy } : {}),
        },
        taskQueuePrefix: prefix,
        workflowId,
      });
    let duplicateRefused = true;
    const h = await start();
    handle = h;
    if (fault.duplicateTrigger) {
      duplicateRefused = await start().then(
        () => false,
        (err: unknown) => err instanceof WorkflowExecutionAlreadyStartedError,
      );
    }
    if (prepared.approvalPolicy?.required) approver = approveGates(h, { afterMs: prepared.approveAfterMs });
    const run: RunControl = {
      prefix,
      handle,
      workers,
      startWorker,
      closed: async () => (await h.describe()).status.name !== 'RUNNING',
    };
    const hit = fault.inject ? await fault.inject(run) : true;
    const whole = Date.now();
    const result = (await Promise.race([
      handle.result(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no result in ${timeoutMs} ms`)), timeoutMs),
      ),
    ])) as PlaybookResult;
    const recoverMs = Date.now() - whole;
    const executions = (await client.workflow.count(`WorkflowId = '${workflowId}'`)).count;
    const steps = (await handle.query('status').catch(() => undefined)) as { steps?: unknown[] } | undefined;
    const inv = await prepared.check(workflowId);
    const endedWell =
      (result.outcome === 'recovered' && inv.ok) ||
      (fault.mayEscalate === true && result.outcome === 'escalated' && inv.doubled === 0);
    const passed = hit && endedWell && duplicateRefused && executions === 1;
    return {
      ...base,
      passed,
      outcome: result.outcome,
      lost: inv.lost,
      doubled: inv.doubled + (executions > 1 ? executions - 1 : 0),
      recoverMs,
      steps: steps?.steps?.length ?? 0,
      exercised: hit,
      detail: `${hit ? '' : 'NOT EXERCISED: the run closed before the fault; '}${inv.detail}; executions ${executions}${fault.duplicateTrigger ? `, duplicate refused ${duplicateRefused}` : ''}`,
    };
  } catch (err) {
    return {
      ...base,
      passed: false,
      outcome: 'error',
      lost: 0,
      doubled: 0,
      recoverMs: 0,
      steps: 0,
      exercised: true,
      detail: String(err).slice(0, 300),
    };
  } finally {
    approver?.stop();
    // A run that did not finish in time is ended, so that it never acts after its case.
    await handle?.terminate(`chaos case ${fault.name} is over`).catch(() => undefined);
    for (const w of workers) await w.kill('SIGKILL').catch(() => undefined);
    await prepared?.cleanup().catch(() => undefined);
  }
}
