// Builds the workflow bundle once per process. The public keyring that verifies approval decisions
// is compiled into the bundle (webpack DefinePlugin), so update validators can verify synchronously;
// it holds public keys only, so a prebuilt bundle carries no secret.
import { bundleWorkflowCode, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DefinePlugin } from 'webpack';
import { type PublicKeyring } from '../shared/decisions/signed-decision';

export const WORKFLOWS_PATH = require.resolve('../workflows');

export function bundleWorkflows(
  keyring: PublicKeyring,
  workflowsPath: string = WORKFLOWS_PATH,
): Promise<WorkflowBundleWithSourceMap> {
  const publicOnly: PublicKeyring = {
    keys: keyring.keys.map(({ keyId, publicKey, status }) => ({ keyId, publicKey, status })),
  };
  return bundleWorkflowCode({
    workflowsPath,
    webpackConfigHook: (config) => {
      config.plugins = [
        ...(config.plugins ?? []),
        new DefinePlugin({ __REBOUND_DECISION_KEYRING__: JSON.stringify(publicOnly) }),
      ];
      return config;
    },
    // The process's logger: webpack's build report goes to the worker log, and stays out of tests.
    logger: Runtime.instance().logger,
  });
}
