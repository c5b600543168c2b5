// Before the scenarios: Prometheus and Alertmanager answer, Prometheus scrapes the exporter, and
// no silence keeps the platform's alerts from Rebound. A silence `npm test` left behind (it
// silences the platform's alerts while tests inject faults, and expires it when it ends; an
// interrupted run cannot) is expired, saying so; any other silence is reported and left alone.
import { type Demo, DemoFailure, waitFor } from './harness';

const TEST_SILENCE_AUTHOR = 'rebound-npm-test';

export async function monitoringPreflight(demo: Demo): Promise<void> {
  const targets = await waitFor(
    'Prometheus scraping the platform exporter (is the prometheus part up? rebound stack status)',
    async () => {
      const t = await demo.monitoring.targets();
      return t.some((x) => x.job === 'platform' && x.health === 'up') ? t : undefined;
    },
    30_000,
  );
  demo.step(`Prometheus scrapes ${targets.map((t) => `${t.job} (${t.health})`).join(', ')}`);
  for (const s of await demo.monitoring.silences()) {
    if (s.status.state !== 'active') continue;
    if (s.createdBy === TEST_SILENCE_AUTHOR) {
      demo.step(`an interrupted npm test left its silence ${s.id} active: expiring it`);
      await demo.monitoring.expireSilence(s.id);
    } else {
      demo.step(
        `note: silence ${s.id} by ${s.createdBy} is active (${s.comment}); alerts it matches will not reach Rebound`,
      );
    }
  }
  const rules = await demo.monitoring.alertRules();
  if (rules.length === 0)
    throw new DemoFailure('Prometheus loaded no alert rules (see .rebound/run/prometheus.log)');
  demo.step(`Prometheus has ${rules.length} alert rules: ${rules.join(', ')}`);
}
