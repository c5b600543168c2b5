// Run as its own process by test/integration/adapters/postgres-server-gone.test.ts: a pool from
// workers/clients.ts (as the worker's), one client checked out the way a relay session or a
// transaction holds it, its server connection terminated the way a PostgreSQL stop terminates
// every connection. Prints `survived` and exits 0 when the process lived through it, the held
// client refused further queries and the pool served a new query; a process killed by an
// unhandled 'error' event exits non-zero without printing it.
import { loadConfig } from '../../shared/config';
import { createPool } from '../../workers/clients';

async function main(): Promise<void> {
  const config = loadConfig();
  const pool = createPool(config, 'platform', 2);
  const admin = createPool(config, 'platform', 1);
  const held = await pool.connect();
  try {
    const pid = (await held.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await new Promise((r) => setTimeout(r, 1_000));
    const refused = await held.query('SELECT 1').then(
      () => false,
      () => true,
    );
    held.release(true);
    const fresh = await pool.query<{ one: number }>('SELECT 1 AS one');
    console.log(JSON.stringify({ refused, fresh: fresh.rows[0].one }));
    console.log('survived');
  } finally {
    await Promise.allSettled([pool.end(), admin.end()]);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
