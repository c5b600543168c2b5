// A connection reset under a client checked out of the pool (the relay's lock connection while a
// batch is on its way to Kafka; a cursor between two pages) must not crash the worker: found by
// the chaos matrix's Toxiproxy reset on PostgreSQL, where the worker process died and the run
// waited for a worker that was gone. The client lives in a child process, so a crash shows as
// its exit code instead of taking Jest down.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '../../../shared/config';
import { REPO_ROOT } from '../../../shared/paths';
import { createPool } from '../../../workers/clients';

const pool = createPool(loadConfig(), 'platform', 1);
afterAll(() => pool.end());

test('a checked-out client whose connection is reset fails its next query; the process lives on', async () => {
  const child = spawn(
    join(REPO_ROOT, 'node_modules/.bin/tsx'),
    [join(REPO_ROOT, 'test/support/checked-out-client-reset.ts')],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /\{"pid":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(() => reject(new Error(`child exited before its pid:\n${out}\n${err}`)));
  });
  // The server drops the connection (as a reset, a failover or a restart would).
  await pool.query('SELECT pg_terminate_backend($1)', [pid]);
  const code = await exited;
  expect({ code, stderr: code === 0 ? '' : err }).toEqual({ code: 0, stderr: '' });
  const report = JSON.parse(out.trim().split('\n').pop()!) as {
    survived: boolean;
    next: string;
    fresh: number;
  };
  expect(report.survived).toBe(true);
  expect(report.next).not.toBe('none'); // the broken client's query failed: a retryable activity error
  expect(report.fresh).toBe(1); // and the pool hands out a working connection
}, 60_000);
