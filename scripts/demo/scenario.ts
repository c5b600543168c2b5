// One demo scenario, end to end through the real path: the demo injects a real fault into the
// reference platform; the exporter measures it; Prometheus's rule fires; Alertmanager delivers the
// alert to Rebound's webhook; the incident runs its playbook (approvals: the exact command is
// printed, then the demo approver approves after a pause, or a person with --interactive); the
// demo checks the effect in the platform and waits until the alert resolved in Prometheus and in
// Alertmanager. Every timestamp of the summary table comes from the system that owns it.
import { labelsMatch } from '../../client/monitoring';
import { type IncidentSummary, type IncidentView } from '../../shared/api/schemas';
import { DEMO_APPROVER, type Demo, DemoFailure, sleep, waitFor } from './harness';

/** What an injected fault is expected to raise, and on which resource. */
export interface Injected {
  /** The alert's identifying labels (alertname included), as the rule produces them. */
  labels: Record<string, string>;
  /** The resource the route derives from the labels (`kind:id`). */
  resource: string;
}

export interface Scenario {
  /** Short name for --only and the table. */
  name: string;
  title: string;
  playbook: string;
  inject(demo: Demo): Promise<Injected>;
  /** Called once the incident is open (the outbox scenario starts Kafka again here). */
  onIncidentOpened?(demo: Demo, incidentId: string): Promise<void>;
  /** Checks the recovery's effect in the platform; returns what was checked; throws DemoFailure. */
  verify(demo: Demo): Promise<string>;
  /** Removes what the scenario created (always runs). */
  cleanup(demo: Demo): Promise<void>;
}

export interface ScenarioResult {
  name: string;
  playbook: string;
  incidentId?: string;
  injectedAt: number;
  firedAt?: number;
  deliveredAt?: number;
  openedAt?: number;
  closedAt?: number;
  resolvedAt?: number;
  outcome?: string;
  approvals: string[];
  error?: string;
}

/** Times are epoch ms; a scenario that failed keeps what it reached. */
export async function runScenario(demo: Demo, s: Scenario, index: number): Promise<ScenarioResult> {
  console.log(`\n── ${index}. ${s.title} `.padEnd(100, '─'));
  const r: ScenarioResult = { name: s.name, playbook: s.playbook, injectedAt: Date.now(), approvals: [] };
  try {
    const injected = await s.inject(demo);
    const want = injected.labels;
    const labelText = Object.entries(want)
      .map(([k, v]) => `${k}="${v}"`)
      .join(', ');
    demo.step(`fault injected; waiting for Prometheus to fire {${labelText}}`);

    let pendingSeen = false;
    const firing = await waitFor(
      `Prometheus firing ${want.alertname}`,
      async () => {
        const a = (await demo.monitoring.prometheusAlerts()).find((x) => labelsMatch(x.labels, want));
        if (a?.state === 'pending' && !pendingSeen) {
          pendingSeen = true;
          demo.step(`Prometheus: ${want.alertname} pending since ${a.activeAt} (value ${a.value})`);
        }
        return a?.state === 'firing' ? a : undefined;
      },
      180_000,
      250,
    );
    // Prometheus's own account: pending since activeAt, firing once the rule's `for:` has passed
    // (its API has no separate firing time; polling would add the poll interval).
    const forS = (await demo.monitoring.ruleForSeconds(want.alertname)) ?? 0;
    r.firedAt = Date.parse(firing.activeAt) + forS * 1000;
    demo.step(`Prometheus: ${want.alertname} firing (active since ${firing.activeAt}, for: ${forS}s)`);

    const am = await waitFor(
      'the alert in Alertmanager',
      async () => (await demo.monitoring.alertmanagerAlerts()).find((x) => labelsMatch(x.labels, want)),
      60_000,
      250,
    );
    demo.step(`Alertmanager: fingerprint ${am.fingerprint}, state ${am.status.state}`);

    const view = await waitFor(
      `the incident opened by Alertmanager's delivery on ${injected.resource}`,
      async () => {
        const list = await demo.call<IncidentSummary[] | { incidents: IncidentSummary[] }>(
          'GET',
          `/v1/incidents?resource=${encodeURIComponent(injected.resource)}`,
          'operator',
        );
        const items = Array.isArray(list) ? list : list.incidents;
        for (const i of items.filter((x) => Date.parse(x.startedAt) >= r.injectedAt - 2_000)) {
          const v = await demo.call<IncidentView>(
            'GET',
            `/v1/incidents/${encodeURIComponent(i.incidentId)}`,
            'operator',
          );
          if (v.alerts.some((a) => a.fingerprint === am.fingerprint)) return v;
        }
        return undefined;
      },
      60_000,
    );
    const alert = view.alerts.find((a) => a.fingerprint === am.fingerprint)!;
    r.incidentId = view.incidentId;
    r.deliveredAt = Date.parse(alert.receivedAt);
    r.openedAt = Date.parse(view.incident.startedAt);
    demo.step(
      `Rebound: incident ${view.incidentId} opened (delivered by ${alert.externalURL ?? 'Alertmanager'}, group ${alert.groupKey ?? '?'})`,
    );
    await s.onIncidentOpened?.(demo, view.incidentId);

    const done = await follow(demo, view.incidentId, r);
    r.closedAt = Date.parse(done.incident.updatedAt);
    r.outcome = done.incident.result?.outcome ?? 'unknown';
    demo.step(`Rebound: incident closed ${r.outcome}: ${done.incident.result?.summary ?? ''}`);
    if (r.outcome !== 'recovered') throw new DemoFailure(`incident ${view.incidentId} closed ${r.outcome}`);
    demo.step(`✔ ${await s.verify(demo)}`);

    await waitFor(
      `${want.alertname} resolved in Prometheus and Alertmanager`,
      async () => {
        const inProm = (await demo.monitoring.prometheusAlerts()).some((x) => labelsMatch(x.labels, want));
        const now = Date.now();
        const inAm = (await demo.monitoring.alertmanagerAlerts()).some(
          (x) => labelsMatch(x.labels, want) && Date.parse(x.endsAt) > now,
        );
        return !inProm && !inAm ? true : undefined;
      },
      120_000,
    );
    r.resolvedAt = Date.now();
    demo.step(`✔ ${want.alertname} resolved in Prometheus and Alertmanager`);
  } catch (err) {
    r.error = err instanceof Error ? err.message : String(err);
    demo.step(`✘ ${r.error}`);
  } finally {
    await s.cleanup(demo).catch((err: unknown) => demo.step(`cleanup: ${String(err)}`));
  }
  return r;
}

/**
 * Follows the incident until it closes: one line per change of phase or step; at an approval
 * gate prints the exact `rebound approve` command, then (unless --interactive) approves as the
 * demo approver after a pause.
 */
async function follow(demo: Demo, incidentId: string, r: ScenarioResult): Promise<IncidentView> {
  let last = '';
  const decided = new Set<string>();
  const deadline = Date.now() + 600_000;
  for (;;) {
    const v = await demo.call<IncidentView>(
      'GET',
      `/v1/incidents/${encodeURIComponent(incidentId)}`,
      'operator',
    );
    const s = v.playbook ?? v.incident;
    const step = s.steps.at(-1);
    const line = `${s.phase}${step ? ` · ${step.name} ${step.state}` : ''}`;
    if (line !== last) demo.step(line);
    last = line;
    if (!v.running) return v;
    const gate = v.playbook?.pendingApproval ?? v.incident.pendingApproval;
    if (gate && !decided.has(gate.id)) {
      decided.add(gate.id);
      demo.step(`waiting for approval: ${gate.question}`);
      const approver = demo.hasToken(DEMO_APPROVER) ? DEMO_APPROVER : 'bob';
      // A gate that offers choices gets its first one (the playbook lists the recommended first).
      const choice = gate.choices[0];
      if (choice) demo.step(`choices: ${gate.choices.join(', ')}; the demo takes ${choice}`);
      const cmd = [
        'approve',
        incidentId,
        '--approval',
        gate.id,
        ...(choice ? ['--choice', choice] : []),
        '--comment',
        'approved by the demo',
      ];
      console.log(
        `\n      to approve:  bin/rebound ${cmd.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')} --as <you>\n`,
      );
      if (demo.options.interactive) {
        demo.step('--interactive: waiting for a person to approve or reject');
      } else {
        await sleep(demo.options.approvalPauseS * 1000);
        demo.rebound([...cmd, '--as', approver], { quiet: true });
        r.approvals.push(approver);
      }
    }
    if (Date.now() > deadline) throw new DemoFailure(`incident ${incidentId} did not close within 10 min`);
    await sleep(1_000);
  }
}
