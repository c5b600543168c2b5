// Scenario: the two regions of the replicated `accounts` dataset accepted different writes during a
// partition (seed 001 scenario 6, seed 003 "network partition"). The demo writes a diverged pair
// with the platform's own generator (`rebound platform regions diverge`, this run's seed): keys
// changed on one side, on both (conflicts), deleted on one and updated on the other. The exporter
// sees the regions' digests differ; RegionsDiverged fires; partition-merge merges by the dataset's
// conflict policy (with its approval at the point where the merge is applied). Checked: both
// regions hold the same rows again.
import { DemoFailure, waitFor, type Demo } from '../harness';
import { type Scenario } from '../scenario';

export function regionsDivergedScenario(): Scenario {
  return {
    name: 'regions-diverged',
    title: 'Divergent writes in the two regions → partition-merge',
    playbook: 'partition-merge',
    inject(demo: Demo) {
      const seed = String(parseInt(demo.run.slice(0, 6), 16));
      demo.rebound(
        [
          'platform',
          'regions',
          'diverge',
          '--keys',
          '500',
          '--divergence',
          '0.1',
          '--manual',
          '0',
          '--seed',
          seed,
        ],
        { quiet: false },
      );
      return Promise.resolve({
        labels: { alertname: 'RegionsDiverged', dataset: 'accounts' },
        resource: 'dataset:accounts',
      });
    },
    async verify(demo: Demo) {
      // The exporter's next measurement (it measures every 2 s, Prometheus scrapes every 2 s).
      let last: number | undefined;
      await waitFor(
        'the exporter to measure the regions equal',
        async () => {
          const r = await demo.monitoring.query('platform_regions_divergent_keys{dataset="accounts"}');
          last = r[0]?.value;
          return last === 0 ? true : undefined;
        },
        30_000,
      ).catch(() => {
        throw new DemoFailure(`${last ?? 'unknown'} keys still differ between the regions`);
      });
      const rows = await demo.monitoring.query('platform_region_rows{dataset="accounts"}');
      return `both regions hold the same rows again (${rows.map((r) => `${r.metric.region}: ${r.value}`).join(', ')})`;
    },
    cleanup() {
      // The dataset is the platform's own; the next run's generator replaces its rows.
      return Promise.resolve();
    },
  };
}
