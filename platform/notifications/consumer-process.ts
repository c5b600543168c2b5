// The reference notification consumer as a real child process (tsx platform/notifications/main.ts)
// on a topic and consumer group of the caller's own: the end-to-end tests and the demo use it so
// that their faults never touch the stack's own consumer group (and its incidents' recurrence).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../shared/paths';

/** A running consumer process: its output so far, and `stop` (SIGTERM, resolves on exit). */
export interface ConsumerProcess {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts the reference consumer on `topic` for consumer group `group` and resolves once it logged
 * that it started (it creates the topic when missing).
 * @throws Error with the process output if it exits or has not started within 60 s.
 */
export async function startNotificationConsumer(topic: string, group: string): Promise<ConsumerProcess> {
  const child = spawn(
    join(REPO_ROOT, 'node_modules/.bin/tsx'),
    [
      join(REPO_ROOT, 'platform/notifications/main.ts'),
      '--topic',
      topic,
      '--group',
      group,
      '--crash-backoff',
      '2000',
    ],
    { cwd: REPO_ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumer did not start in 60s:\n${out}`)), 60_000);
    child.stdout?.on('data', () => {
      if (out.includes('notification consumer started')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`consumer exited with ${code}:\n${out}`));
    });
  });
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
