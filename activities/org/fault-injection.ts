// Test-only failure injection for the org deletion saga's activities. It is inert unless the
// worker process was started with REBOUND_FAULT_INJECTION=enabled-for-tests (never set by
// `stack up` or the compose file), and even then only acts on workflows for which a test wrote a
// Redis hash `rebound:fault-injection:<workflowId>` mapping a step name to a mode:
//   fail        → ApplicationFailure InjectedFailure (non-retryable) before the step's effect
//   hold-before → wait before the effect until the field is removed (or the process is killed)
//   hold-after  → do the effect, then wait (a SIGKILL there leaves the effect without a result)
// While holding, the step name is added to the set `rebound:fault-injection:<workflowId>:held`.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type Redis } from 'ioredis';
import { ErrorTypes } from '../../shared/errors';

export const FAULT_INJECTION_ENV = 'REBOUND_FAULT_INJECTION';
export const FAULT_INJECTION_ENABLED = 'enabled-for-tests';
export const FAULT_MODES = ['fail', 'hold-before', 'hold-after'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export const faultKey = (workflowId: string) => `rebound:fault-injection:${workflowId}`;
export const heldKey = (workflowId: string) => `rebound:fault-injection:${workflowId}:held`;

export interface FaultInjector {
  around<T>(step: string, effect: () => Promise<T>): Promise<T>;
}

const inert: FaultInjector = { around: (_step, effect) => effect() };

export function faultInjectorFromEnv(redis: Redis, env: NodeJS.ProcessEnv = process.env): FaultInjector {
  if (env[FAULT_INJECTION_ENV] !== FAULT_INJECTION_ENABLED) return inert;
  return {
    async around<T>(step: string, effect: () => Promise<T>): Promise<T> {
      const workflowId = currentWorkflowId();
      if (!workflowId) return effect();
      const mode = (await redis.hget(faultKey(workflowId), step)) as FaultMode | null;
      if (mode === 'fail') {
        throw ApplicationFailure.nonRetryable(`injected failure at ${step}`, ErrorTypes.InjectedFailure);
      }
      if (mode === 'hold-before') await hold(redis, workflowId, step);
      const result = await effect();
      if (mode === 'hold-after') await hold(redis, workflowId, step);
      return result;
    },
  };
}

function currentWorkflowId(): string | undefined {
  try {
    return Context.current().info.workflowExecution?.workflowId;
  } catch {
    return undefined; // called outside an activity (integration tests of the factories)
  }
}

async function hold(redis: Redis, workflowId: string, step: string): Promise<void> {
  await redis.sadd(heldKey(workflowId), step);
  try {
    while ((await redis.hget(faultKey(workflowId), step)) !== null) {
      Context.current().heartbeat({ holding: step });
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await redis.srem(heldKey(workflowId), step);
  }
}
