// partition-merge under chaos: two region databases of the harness's own (pm_chaos_a/_b, created
// and migrated when missing, their rows replaced by each run) diverged by the platform's
// generator: 16,000 keys, 20% diverged, conflicts and deletes, no field that needs a human (so the
// run opens no approval gate). The worker reads the dataset from a datasets file naming them. Invariant counted row by row in both regions against the pure model's merge of the
// rows as they were before the run: `lost` = keys whose final row is missing or differs from the
// model in either region, `doubled` = keys present that the model does not keep.
import { diverge } from '../../platform/regions/generator';
import { rowsEqual } from '../../shared/partition-merge/rows';
import { expectedMerge, isolatedRegions, readRegion } from '../e2e/partition-merge/merge-support';
import { type ChaosScenario } from './scenario-types';

/**
 * Keys per region. With no manual field the merge has no approval gate to hold it open, and a
 * merge of 4,000 keys closed about 3 s after it started: a network fault injected after its first
 * step sometimes came after its end (1 of 3 Temporal cases in each of two runs, "not exercised").
 */
const CHAOS_KEYS = 16_000;

export const partitionMergeScenario: ChaosScenario = {
  playbook: 'partition-merge',
  invariant:
    "both regions equal, row by row, to the pure model's merge of the diverged rows; no key lost or kept twice",
  prepare: async () => {
    const { name, dataset, pools, datasetsFile } = await isolatedRegions('pm_chaos');
    try {
      const report = await diverge(name, dataset, pools, {
        keys: CHAOS_KEYS,
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
        params: { dataset: name, batchSize: 50, rangesPerCall: 2, rangeSize: 2_000 },
        workerEnv: { REBOUND_DATASETS_FILE: datasetsFile },
        approvalPolicy: {
          allowedPrincipals: [],
          allowedRoles: ['approver'],
          quorum: 1,
          timeout: '1h',
          required: true,
        },
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
