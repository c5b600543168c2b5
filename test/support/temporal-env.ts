// Temporal environments for tests: the time-skipping server (Java, from Maven Central, started
// through its wrapper: the SDK's own download needs the internet) and workflow bundles built once
// per test file with the test keyring.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { bundleWorkflows } from '../../workers/workflow-bundle';
import { TEST_KEYRING } from './decisions';
import { testServerPath } from './stack-tools';

/**
 * Starts the time-skipping server. The SDK gives the server (a JVM) 5 s to answer, a fixed limit;
 * on a loaded 2-core machine its start alone can take longer, so a start that timed out is tried
 * again (3 attempts) before the test fails.
 * @throws Error when the server is missing or did not start in 3 attempts.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = testServerPath();
  if (!existsSync(path))
    throw new Error(`time-skipping server missing at ${path}: run 'npm run stack -- install'`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path } },
      });
    } catch (err) {
      if (attempt >= 3 || !/did not start within/.test((err as Error).message)) throw err;
    }
  }
}

/**
 * One time-skipping server for the calling test file: started before its tests (beforeAll, 60 s)
 * and torn down after them (afterAll). Returns a getter for it.
 * @throws Error from the getter when called before the server started (outside a test).
 */
export function timeSkippingEnvForFile(): () => TestWorkflowEnvironment {
  let env: TestWorkflowEnvironment | undefined;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  }, 60_000);
  afterAll(async () => {
    await env?.teardown();
  });
  return () => {
    if (!env) throw new Error('the time-skipping server is not started yet (call this inside a test)');
    return env;
  };
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow bundle with the test decision key; built once per Jest worker. */
export function testBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflows(TEST_KEYRING);
  return bundle;
}

let counter = 0;
/** A task queue prefix no other test uses, so parallel tests never steal each other's tasks. */
export function uniquePrefix(name: string): string {
  counter += 1;
  return `t-${name}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
