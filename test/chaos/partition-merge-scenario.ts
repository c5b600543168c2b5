// partition-merge under chaos: two region databases of the harness's own (pm_chaos_a/_b, created
// and migrated when missing, their rows replaced by each run) diverged by the platform's
// generator: 4,000 keys, 20% diverged, conflicts and deletes, no field that needs a human. The
// worker reads the dataset from a datasets file naming them; the apply gate is approved by the
// harness. Invariant counted row by row in both regions against the pure model's merge of the
// rows as they were before the run: `lost` = keys whose final row is missing or differs from the
// model in either region, `doubled` = keys present that the model does not keep.
import { diverge } from '../../platform/regions/generator';
import { rowsEqual } from '../../shared/partition-merge/rows';
import { expectedMerge, isolatedRegions, readRegion } from '../e2e/partition-merge/merge-support';
import { type ChaosScenario } from './scenario-types';

export const partitionMergeScenario: ChaosScenario = {
  playbook: 'partition-merge',
  invariant:
    "both regions equal, row by row, to the pure model's merge of the diverged rows; no key lost or kept twice",
  prepare: async () => {
    const { name, dataset, pools, datasetsFile } = await isolatedRegions('pm_chaos');
    try {
      const report = await diverge(name, dataset, pools, {
        keys: 4_000,
        divergence: 0.2,
        conflictShare: 0.3,
        deleteShare: 0.2,
        manualShare: 0,
        seed: 41,
      });
      const [a, b] = await Promise.all(pools.map((p) => readRegion(p, dataset.table)));
      const expected = expectedMerge(dataset, a, b, BigInt(report.partitionStartHlc));
      return {
        resource: `dataset:${name}`,
        // Small batches: the apply phase takes many transactions, so faults land inside it.
        params: { dataset: name, batchSize: 50, rangesPerCall: 2, rangeSize: 500 },
        workerEnv: { REBOUND_DATASETS_FILE: datasetsFile },
        approvalPolicy: {
          allowedPrincipals: [],
          allowedRoles: ['approver'],
          quorum: 1,
          timeout: '1h',
          required: true,
        },
        // The merge of 4,000 keys can close within a second of its first step on a quiet stack
        // (and a status poll on a loaded one can take longer than that): an approver who reads
        // the question for 10 s keeps the run open for the fault injected after the first step,
        // and lets an outage meet the apply phase (a case whose run closed first proves nothing).
        approveAfterMs: 10_000,
        check: async () => {
          let lost = 0;
          let doubled = 0;
          for (const pool of pools) {
            const final = await readRegion(pool, dataset.table);
            for (const [key, want] of expected) {
              const got = final.get(key);
              if (want === undefined) {
                if (got) doubled += 1;
              } else if (!got || !rowsEqual(got, want)) lost += 1;
            }
            doubled += [...final.keys()].filter((k) => !expected.has(k)).length;
          }
          return {
            ok: lost === 0 && doubled === 0,
            lost,
            doubled,
            detail: `${expected.size} keys expected per region; ${lost} missing or different, ${doubled} extra`,
          };
        },
        cleanup: async () => {
          await Promise.allSettled(pools.map((p) => p.end()));
        },
      };
    } catch (err) {
      await Promise.allSettled(pools.map((p) => p.end()));
      throw err;
    }
  },
};
