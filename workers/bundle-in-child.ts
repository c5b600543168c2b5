// The worker's workflow bundle, built in a child process (workers/build-bundle-main.ts) with the
// same keyring environment: webpack's heap lives and dies there, so the long-lived worker's
// resident set holds only the bundle text. Measured with bench/worker-rss.ts: an idle worker
// drops from about 390 MiB to about 250 MiB (issue 14, peak ≤ 512 MiB with 1,000 incidents).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { STATE_DIR } from '../shared/paths';

/**
 * Builds the bundle in a child process (the same node binary and loader flags as this process,
 * so it works under tsx and from compiled JavaScript alike) and reads it back. Throws with the
 * child's output when it fails.
 */
export async function bundleInChildProcess(): Promise<WorkflowBundleWithSourceMap> {
  const dir = join(STATE_DIR, 'run');
  mkdirSync(dir, { recursive: true });
  const codeFile = join(dir, `workflow-bundle-${process.pid}.js`);
  const mapFile = `${codeFile}.map`;
  const script = require.resolve('./build-bundle-main');
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script, codeFile, mapFile], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (b: Buffer) => output.push(b.toString()));
    child.stderr.on('data', (b: Buffer) => output.push(b.toString()));
    child.once('error', reject);
    child.once('exit', resolve);
  });
  try {
    if (code !== 0)
      throw new Error(`building the workflow bundle failed (exit ${code}):\n${output.join('')}`);
    return { code: readFileSync(codeFile, 'utf8'), sourceMap: readFileSync(mapFile, 'utf8') };
  } finally {
    rmSync(codeFile, { force: true });
    rmSync(mapFile, { force: true });
  }
}
