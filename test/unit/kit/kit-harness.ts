// Runs kit test workflows on the time-skipping server with faked activities that record calls.
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../../../workers/workflow-bundle';
import { createDecisionVerificationActivities } from '../../../activities/control/decision-verification';
import { TEST_KEYRING } from '../../support/decisions';
import { createFakeWorkers } from '../../support/fake-workers';
import { uniquePrefix } from '../../support/temporal-env';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
export function kitBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflows(TEST_KEYRING, require.resolve('../../workflows/kit-workflows'));
  return bundle;
}

export interface Harness {
  prefix: string;
  calls: string[];
  audits: string[];
  notifications: string[];
  /** The kill switch's stored state the runs read (readControlFlag). */
  control: { paused: boolean; version: number };
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/** `failures[name]` = how many times act(name) throws before it succeeds ('always' = non-retryable). */
export async function harness(
  env: TestWorkflowEnvironment,
  failures: Record<string, number | 'fatal'> = {},
): Promise<Harness> {
  const prefix = uniquePrefix('kit');
  const calls: string[] = [];
  const audits: string[] = [];
  const notifications: string[] = [];
  const failed: Record<string, number> = {};
  const control = { paused: false, version: 0 };
  const { ApplicationFailure } = await import('@temporalio/common');
  const workers = await createFakeWorkers(
    env,
    prefix,
    {
      control: {
        recordAudit: (e: { entryKey: string }) => {
          audits.push(e.entryKey);
          return Promise.resolve({ written: true });
        },
        readControlFlag: () => Promise.resolve({ ...control }),
        ...createDecisionVerificationActivities({ keyring: TEST_KEYRING }),
        notify: (n: { message: string }) => {
          notifications.push(n.message);
          return Promise.resolve({ sent: true });
        },
      },
      postgres: {
        act: (name: string) => {
          calls.push(name);
          const f = failures[name];
          if (f === 'fatal')
            throw ApplicationFailure.nonRetryable(`${name} cannot succeed`, 'PreconditionFailed');
          if (f !== undefined && (failed[name] ?? 0) < f) {
            failed[name] = (failed[name] ?? 0) + 1;
            throw new Error(`${name} transient failure ${failed[name]}`);
          }
          return Promise.resolve(`${name}-ok`);
        },
      },
    },
    await kitBundle(),
  );
  return {
    prefix,
    calls,
    audits,
    notifications,
    control,
    run: (fn) => workers.run(fn),
  };
}
