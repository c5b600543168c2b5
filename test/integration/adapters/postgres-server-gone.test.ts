// A pool client held checked out while PostgreSQL drops its connection (a server stop, a
// failover): the process must live on, the held client must refuse further queries and the pool
// must serve new ones. Before the fix in workers/clients.ts the unhandled 'error' event of the
// checked-out client killed the process: the worker under a 30 s PostgreSQL outage in the chaos
// matrix exited and every run on it hung (issue 14). Run in a child process, as the worker is.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../shared/paths';

test('a checked-out client whose server connection is terminated does not take the process down', async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(
        join(REPO_ROOT, 'node_modules/.bin/tsx'),
        [join(REPO_ROOT, 'test/support/pg-server-gone-probe.ts')],
        { cwd: REPO_ROOT, env: process.env, timeout: 60_000 },
        (err, out, errOut) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout: out, stderr: errOut }),
      );
    },
  );
  expect({ code, stderr: code === 0 ? '' : stderr.slice(0, 2_000) }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toContain('survived');
  expect(stdout).toContain('"refused":true');
  expect(stdout).toContain('"fresh":1');
}, 90_000);
