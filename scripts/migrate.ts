// Applies the SQL migrations of both databases: the reference platform's and Rebound's own.
// Usage: tsx scripts/migrate.ts [--quiet]
import { join } from 'node:path';
import { REPO_ROOT } from '../shared/paths';
import { loadConfig } from '../shared/config';
import { runMigrations } from '../migrations/runner';
import { createPool } from '../workers/clients';

async function main(): Promise<void> {
  const quiet = process.argv.includes('--quiet');
  const config = loadConfig();
  for (const [database, dir] of [
    ['platform', 'platform'],
    ['state', 'rebound'],
  ] as const) {
    const pool = createPool(config, database, 1);
    try {
      const result = await runMigrations(pool, join(REPO_ROOT, 'migrations', dir));
      if (!quiet || result.applied.length > 0) {
        const list = result.applied.length ? result.applied.join(', ') : 'nothing new';
        console.log(`[migrate] ${dir}: applied ${list} (${result.skipped} already applied)`);
      }
    } finally {
      await pool.end();
    }
  }
}

main().catch((err: unknown) => {
  console.error(`[migrate] ${(err as Error).message}`);
  process.exit(1);
});
