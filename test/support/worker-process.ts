// A real Rebound worker as a child process (tsx workers/main.ts) on its own task-queue prefix,
// so tests can SIGKILL it mid-playbook and start another.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '../../shared/config';
import { REPO_ROOT } from '../../shared/paths';
import { workerMemoryEnv } from '../../workers/worker-memory';
import { TEST_KEYRING } from './decisions';

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
}

export async function startWorkerProcess(
  taskQueuePrefix: string,
  env: NodeJS.ProcessEnv = {},
): Promise<WorkerProcess> {
  const child = spawn(join(REPO_ROOT, 'node_modules/.bin/tsx'), [join(REPO_ROOT, 'workers/main.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      // Bounded as the stack's worker is (the RSS benchmark measures this process).
      ...workerMemoryEnv(loadConfig({ ...process.env, ...env })),
      REBOUND_TASK_QUEUE_PREFIX: taskQueuePrefix,
      REBOUND_DECISION_KEYRING: JSON.stringify(TEST_KEYRING),
      // The worker holds every workflow input to a policy file: the test deployments' own,
      // unless the test gives its own (the API harness passes the API's).
      REBOUND_POLICY_FILE: join(REPO_ROOT, 'test/support/e2e-policy.yaml'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: tsx runs the worker in a child process, and a SIGKILL sent to tsx
    // alone would leave that worker running (orphaned) instead of crashing it.
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in 60s:\n${out}`)), 60_000);
    const check = () => {
      if (out.includes('polling the workflow task queue and its activity queues')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code}:\n${out}`));
    });
  });
  return {
    child,
    output: () => out,
    kill: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          child.kill(signal);
        }
      }
      await exited;
    },
  };
}
