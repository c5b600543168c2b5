// Shared by the partition-merge end-to-end tests: region pools, a full row-by-row comparison of
// the two regions (independent of the workflow's own checksums), and the expected merge computed
// by the pure model from the rows as they were before the playbook ran.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, type WorkflowHandle } from '@temporalio/client';
import { escapeIdentifier, type Pool } from 'pg';
import { stringify } from 'yaml';
import { startPlaybook } from '../../../client/start-playbook';
import { runMigrations } from '../../../migrations/runner';
import { loadConfig } from '../../../shared/config';
import { REPO_ROOT } from '../../../shared/paths';
import { loadDatasets } from '../../../shared/partition-merge/load-datasets';
import { decideManualFields, mergeRegions, type ManualChoice } from '../../../shared/partition-merge/merge';
import { type DatasetConfig } from '../../../shared/partition-merge/policy';
import { type RegionRow } from '../../../shared/partition-merge/rows';
import { type PartitionMergeParams } from '../../../shared/playbooks/partition-merge';
import { statusQuery, type PlaybookStatus } from '../../../shared/workflow-interface';
import { createDatabasePool, createPool } from '../../../workers/clients';

/**
 * A dataset of the test's own: two region databases `<name>_a` / `<name>_b` on the stack's
 * cluster (created and migrated when missing) and a datasets file naming them, with the shipped
 * policy of `accounts`. Test files running in parallel never share regions or incident ids.
 */
export async function isolatedRegions(name: string): Promise<{
  name: string;
  dataset: DatasetConfig;
  pools: [Pool, Pool];
  datasetsFile: string;
}> {
  const config = loadConfig();
  const shipped = loadDatasets().accounts;
  const databases = [`${name}_a`, `${name}_b`];
  const admin = createPool(config, 'platform', 1);
  try {
    for (const db of databases) {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${escapeIdentifier(db)}`);
    }
  } finally {
    await admin.end();
  }
  const pools = databases.map((db) => createDatabasePool(config, db, 3)) as [Pool, Pool];
  for (const pool of pools) await runMigrations(pool, join(REPO_ROOT, 'migrations', 'regions'));
  const datasetName = name.replace(/_/g, '-');
  const dataset: DatasetConfig = {
    ...shipped,
    regions: [
      { name: shipped.regions[0].name, database: databases[0] },
      { name: shipped.regions[1].name, database: databases[1] },
    ],
  };
  const datasetsFile = join(mkdtempSync(join(tmpdir(), 'rebound-datasets-')), 'datasets.yaml');
  writeFileSync(datasetsFile, stringify({ datasets: { [datasetName]: dataset } }));
  return { name: datasetName, dataset, pools, datasetsFile };
}

/** Every row of a region, in key order, as comparable text (jsonb text is canonical). */
export async function dump(pool: Pool, table: string): Promise<string[]> {
  const r = await pool.query<{ line: string }>(
    `SELECT key || ' ' || value::text || ' ' || hlc || ' ' || origin || ' ' || tombstone AS line
       FROM ${escapeIdentifier(table)} ORDER BY key`,
  );
  return r.rows.map((x) => x.line);
}

export async function readRegion(pool: Pool, table: string): Promise<Map<bigint, RegionRow>> {
  const r = await pool.query<{
    key: string;
    value: RegionRow['value'];
    hlc: string;
    origin: string;
    tombstone: boolean;
  }>(`SELECT key::text, value, hlc::text, origin, tombstone FROM ${escapeIdentifier(table)}`);
  return new Map(
    r.rows.map((x) => [
      BigInt(x.key),
      { key: BigInt(x.key), value: x.value, hlc: BigInt(x.hlc), origin: x.origin, tombstone: x.tombstone },
    ]),
  );
}

/** The final state the merge must reach, from the pure model (manual fields decided by `choice`). */
export function expectedMerge(
  dataset: DatasetConfig,
  a: Map<bigint, RegionRow>,
  b: Map<bigint, RegionRow>,
  watermark: bigint,
  choice?: ManualChoice,
): Map<bigint, RegionRow | undefined> {
  const ctx = { policy: dataset.policy, watermark };
  const first = mergeRegions(a, b, ctx);
  const decisions = new Map<bigint, Record<string, unknown>>();
  for (const r of first.values()) {
    if (choice && r.manualFields.length > 0 && a.get(r.key) && b.get(r.key)) {
      decisions.set(
        r.key,
        decideManualFields(
          r,
          [
            { region: dataset.regions[0].name, row: a.get(r.key)! },
            { region: dataset.regions[1].name, row: b.get(r.key)! },
          ],
          choice,
        ),
      );
    }
  }
  const res = mergeRegions(a, b, { ...ctx, decisions: decisions as never });
  return new Map([...res].map(([k, r]) => [k, r.merged]));
}

export function rowLine(r: RegionRow): string {
  return `${r.key} ${JSON.stringify(r.value)} ${r.hlc} ${r.origin} ${r.tombstone}`;
}

export function startMerge(
  client: Client,
  prefix: string,
  datasetName: string,
  params: Partial<PartitionMergeParams>,
  opts: { dryRun?: boolean; approvalTimeout?: string; workflowId?: string } = {},
): Promise<WorkflowHandle> {
  return startPlaybook(client, {
    playbook: 'partition-merge',
    params: { dataset: datasetName, ...params },
    context: {
      resource: `dataset:${datasetName}`,
      initiator: 'e2e-operator',
      dryRun: opts.dryRun ?? false,
      approvalPolicy: {
        allowedPrincipals: [],
        allowedRoles: ['approver'],
        quorum: 1,
        timeout: opts.approvalTimeout ?? '1h',
        required: true,
      },
    },
    taskQueuePrefix: prefix,
    workflowId: opts.workflowId ?? `${prefix}-partition-merge`,
  });
}

export async function waitForStatus(
  handle: WorkflowHandle,
  predicate: (s: PlaybookStatus) => boolean,
  timeoutMs = 90_000,
): Promise<PlaybookStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: PlaybookStatus | undefined;
  while (Date.now() < deadline) {
    try {
      last = await handle.query(statusQuery);
      if (predicate(last)) return last;
    } catch {
      // not started yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`status never matched; last: ${JSON.stringify(last)?.slice(0, 2000)}`);
}
