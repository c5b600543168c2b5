// Shared by the partition-merge end-to-end tests: region pools, a full row-by-row comparison of
// the two regions (independent of the workflow's own checksums), and the expected merge computed
// by the pure model from the rows as they were before the playbook ran.
import { type Client, type WorkflowHandle } from '@temporalio/client';
import { escapeIdentifier, type Pool } from 'pg';
import { startPlaybook } from '../../../client/start-playbook';
import { loadConfig } from '../../../shared/config';
import { loadDatasets } from '../../../shared/partition-merge/load-datasets';
import { decideManualFields, mergeRegions, type ManualChoice } from '../../../shared/partition-merge/merge';
import { type DatasetConfig } from '../../../shared/partition-merge/policy';
import { type RegionRow } from '../../../shared/partition-merge/rows';
import { type PartitionMergeParams } from '../../../shared/playbooks/partition-merge';
import { statusQuery, type PlaybookStatus } from '../../../shared/workflow-interface';
import { createDatabasePool } from '../../../workers/clients';

export const DATASET = 'accounts';

export function regionsOf(): { dataset: DatasetConfig; pools: [Pool, Pool] } {
  const dataset = loadDatasets()[DATASET];
  const config = loadConfig();
  return {
    dataset,
    pools: dataset.regions.map((r) => createDatabasePool(config, r.database, 3)) as [Pool, Pool],
  };
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
  params: Partial<PartitionMergeParams>,
  opts: { dryRun?: boolean; approvalTimeout?: string; workflowId?: string } = {},
): Promise<WorkflowHandle> {
  return startPlaybook(client, {
    playbook: 'partition-merge',
    params: { dataset: DATASET, ...params },
    context: {
      resource: `dataset:${DATASET}`,
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
