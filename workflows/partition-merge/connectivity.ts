// Waits until both regions answer (seed 001 scenario 6: check connectivity every 10 s for at most
// 30 minutes, then escalate). Durable timers: a worker restart does not restart the 30 minutes.
import { sleep } from '@temporalio/workflow';
import { parseDuration } from '../../shared/duration';
import { PARTITION_MERGE_STEPS as S, type RegionReachability } from '../../shared/playbooks/partition-merge';
import { type PlaybookRun } from '../lib/playbook-run';
import { type PartitionMergeProxies } from './activity-proxies';

/** Returns the last check when both regions answered, or undefined once `timeout` has passed. */
export async function awaitConnectivity(
  run: PlaybookRun,
  acts: PartitionMergeProxies,
  dataset: string,
  checkEvery: string,
  timeout: string,
): Promise<{ checks: number; regions: RegionReachability[] | undefined }> {
  const every = parseDuration(checkEvery);
  const deadline = Date.now() + parseDuration(timeout);
  for (let n = 1; ; n += 1) {
    const regions = await run.step(`${S.connectivity}#${n}`, () => acts.quick.checkRegions({ dataset }), {
      maxAttempts: 3,
      summarize: (rs) => rs.map((r) => `${r.region} ${r.reachable ? 'reachable' : 'unreachable'}`).join(', '),
    });
    if (regions.every((r) => r.reachable)) return { checks: n, regions };
    // The last wait is shortened so the final check falls on the deadline itself.
    const left = deadline - Date.now();
    if (left <= 0) return { checks: n, regions: undefined };
    await sleep(Math.min(every, left));
  }
}
