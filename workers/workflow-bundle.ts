// Builds the workflow bundle once per process. The decision-verification key is compiled into the
// bundle (webpack DefinePlugin) so workflows can verify approvals synchronously in update
// validators without the key ever appearing in a workflow input or history.
import { bundleWorkflowCode, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DefinePlugin } from 'webpack';

export const WORKFLOWS_PATH = require.resolve('../workflows');

export function bundleWorkflows(
  decisionKey: string,
  workflowsPath: string = WORKFLOWS_PATH,
): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    webpackConfigHook: (config) => {
      config.plugins = [
        ...(config.plugins ?? []),
        new DefinePlugin({ __REBOUND_DECISION_KEY__: JSON.stringify(decisionKey) }),
      ];
      return config;
    },
    // The process's logger: webpack's build report goes to the worker log, and stays out of tests.
    logger: Runtime.instance().logger,
  });
}
