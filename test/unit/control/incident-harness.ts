// Runs the incident workflow on the time-skipping server with faked activities: the guardrail
// state (kill switch, budget) and the health-probe child's probes are in-memory fakes.
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { type IncidentInput } from '../../../shared/incident';
import { workflowTaskQueue } from '../../../shared/task-queues';
import { createFakeWorkers } from '../../support/fake-workers';
import { uniquePrefix } from '../../support/temporal-env';

export interface Fakes {
  paused: boolean;
  budgetLeft: number;
  claims: string[];
  audit: { entryKey: string; kind: string; actor: string }[];
  notified: string[];
  probeCalls: number;
  /** Episodes opened (episode ids) and closed (episode id → outcome). */
  episodes: string[];
  closedEpisodes: Record<string, string>;
}

export function newFakes(): Fakes {
  return {
    paused: false,
    budgetLeft: 10,
    claims: [],
    audit: [],
    notified: [],
    probeCalls: 0,
    episodes: [],
    closedEpisodes: {},
  };
}

export async function startIncidentWorkers(env: TestWorkflowEnvironment, fakes: Fakes) {
  const prefix = uniquePrefix('inc');
  const probe = (dependency: string) => () => {
    fakes.probeCalls += 1;
    return Promise.resolve({ dependency, healthy: true, latencyMs: 1, detail: {} });
  };
  const workers = await createFakeWorkers(env, prefix, {
    control: {
      recordAudit: (e: { entryKey: string; kind: string; actor: string }) => {
        fakes.audit.push({ entryKey: e.entryKey, kind: e.kind, actor: e.actor });
        return Promise.resolve({ written: true });
      },
      notify: (n: { message: string }) => {
        fakes.notified.push(n.message);
        return Promise.resolve({ sent: true });
      },
      readControlFlag: () => Promise.resolve({ paused: fakes.paused }),
      openEpisode: (e: { episodeId: string }) => {
        if (!fakes.episodes.includes(e.episodeId)) fakes.episodes.push(e.episodeId);
        return Promise.resolve({ ordinal: fakes.episodes.indexOf(e.episodeId) + 1, recent: 1 });
      },
      closeEpisode: (e: { episodeId: string; outcome: string }) => {
        fakes.closedEpisodes[e.episodeId] = e.outcome;
        return Promise.resolve();
      },
      claimRecoveryBudget: (c: { claimKey: string; max: number }) => {
        fakes.claims.push(c.claimKey);
        const granted = fakes.budgetLeft > 0;
        if (granted) fakes.budgetLeft -= 1;
        return Promise.resolve({ granted, used: c.max - fakes.budgetLeft, max: c.max });
      },
    },
    ...Object.fromEntries(
      (['postgres', 'redis', 'kafka'] as const).map((infra) => [
        infra,
        { [`probe${infra[0].toUpperCase()}${infra.slice(1)}`]: probe(infra) },
      ]),
    ),
  });
  const { stop } = workers.start();
  return {
    prefix,
    taskQueue: workflowTaskQueue(prefix),
    stop,
  };
}

export function incidentInput(overrides: Partial<IncidentInput> & { incidentId: string }): IncidentInput {
  return {
    source: 'alertmanager',
    initiator: 'alertmanager',
    reason: 'ReboundDependencyDown',
    dryRun: false,
    route: {
      rule: 'dependency-health',
      playbook: 'health-probe',
      workflowType: 'healthProbeWorkflow',
      resource: 'stack:unit',
      params: { dependencies: ['postgres', 'redis', 'kafka'] },
      classification: { severity: 'WARNING', category: 'transient', recoverability: 'automatic' },
      approvalPolicy: {
        allowedPrincipals: [],
        allowedRoles: ['approver'],
        quorum: 1,
        timeout: '1h',
        required: true,
      },
    },
    alert: {
      fingerprint: 'fp-1',
      alertname: 'ReboundDependencyDown',
      status: 'firing',
      labels: { alertname: 'ReboundDependencyDown', stack: 'unit' },
      annotations: {},
      startsAt: '2025-01-01T00:00:00Z',
      receivedAt: '2025-01-01T00:00:01Z',
    },
    budget: { max: 10, window: '10m' },
    ...overrides,
  };
}
