// Applies the SQL migrations of both databases: the reference platform's and Rebound's own.
// Usage: tsx scripts/migrate.ts [--quiet]
import { join } from 'node:path';
import { escapeIdentifier } from 'pg';
import { REPO_ROOT } from '../shared/paths';
import { loadConfig } from '../shared/config';
import { runMigrations } from '../migrations/runner';
import { loadDatasets } from '../shared/partition-merge/load-datasets';
import { createDatabasePool, createPool } from '../workers/clients';

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
  await migrateRegions(config, quiet);
}

// The regions of the replicated datasets (partition-merge): databases on the same cluster,
// created when missing, each with the migrations in migrations/regions.
async function migrateRegions(config: ReturnType<typeof loadConfig>, quiet: boolean): Promise<void> {
  const databases = new Set(Object.values(loadDatasets()).flatMap((d) => d.regions.map((r) => r.database)));
  const admin = createPool(config, 'platform', 1);
  try {
    for (const db of databases) {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${escapeIdentifier(db)}`);
    }
  } finally {
    await admin.end();
  }
  for (const db of databases) {
    const pool = createDatabasePool(config, db, 1);
    try {
      const result = await runMigrations(pool, join(REPO_ROOT, 'migrations', 'regions'));
      if (!quiet || result.applied.length > 0) {
        const list = result.applied.length ? result.applied.join(', ') : 'nothing new';
        console.log(`[migrate] regions/${db}: applied ${list} (${result.skipped} already applied)`);
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
