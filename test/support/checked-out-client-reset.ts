// Child process of test/integration/adapters/postgres-connection-reset.test.ts: checks a client
// out of a pool built by workers/clients.ts, prints its server pid, and waits (idle, as the relay's
// lock connection waits during a send) while the test terminates that backend. It then reports
// what a worker would see: whether it is still alive, the error of the client's next query, and
// whether the pool still answers. Exit 0 only if it survived.
import { loadConfig } from '../../shared/config';
import { createPool } from '../../workers/clients';

async function main(): Promise<void> {
  const pool = createPool(loadConfig(), 'platform', 2);
  const client = await pool.connect();
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  console.log(JSON.stringify({ pid }));
  // The test terminates the backend now; wait for the connection to be dropped.
  await new Promise((r) => setTimeout(r, 3_000));
  const next = await client.query('SELECT 1').then(
    () => 'none',
    (err: Error) => err.message,
  );
  client.release(true);
  const fresh = (await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0].one;
  console.log(JSON.stringify({ survived: true, next, fresh }));
  await pool.end();
}

void main();
