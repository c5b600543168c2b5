// The alert storm's HTTP side, run as a process of its own, as Alertmanager is: POSTs the
// notifications of bench/alert-storm.ts to the API at fixed concurrency and prints its Run as one
// JSON line. Run by the benchmark, not by hand:
//   tsx bench/lib/alert-storm-load.ts <url> <token> <alerts> <concurrency> <bodies file>
import { readFileSync } from 'node:fs';
import { drive } from './drive';

async function main(): Promise<void> {
  const [url, token, alerts, concurrency, bodiesFile] = process.argv.slice(2);
  const bodies = JSON.parse(readFileSync(bodiesFile, 'utf8')) as string[];
  const n = Number(alerts);
  if (bodies.length !== n) throw new Error(`expected ${n} bodies, got ${bodies.length}`);
  const run = await drive(n, Number(concurrency), async (i) => {
    const res = await fetch(`${url}/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: bodies[i],
    });
    await res.arrayBuffer();
    return res.status === 202;
  });
  process.stdout.write(JSON.stringify(run) + '\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
