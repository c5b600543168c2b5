// ReboundService: the one implementation of what the HTTP API and the CLI do. It validates and
// routes input, talks to Temporal (signalWithStart, queries, updates, schedules), keeps the kill
// switch flag, signs approval decisions and audits refusals. Errors are ServiceErrors with codes
// the API maps onto HTTP statuses.
import { playbookDefinition } from '../../shared/playbooks';
import { WorkflowUpdateFailedError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { type Pool } from 'pg';
import {
  type AlertmanagerWebhook,
  type ControlState,
  type IncidentAlert,
  type IncidentSummary,
  type IncidentView,
  type ManualTrigger,
  type ScheduleApplyResult,
  type ScheduleView,
} from '../../shared/api/schemas';
import { type ReboundConfig } from '../../shared/config';
import { DECISION_TTL_MS, signDecisionWith } from '../../shared/decisions/signed-decision';
import { ErrorTypes } from '../../shared/errors';
import {
  INCIDENT_WORKFLOW_TYPE,
  alertNoticeSignal,
  incidentIdFor,
  triggeredSignal,
  type IncidentInput,
  type RouteDecision,
} from '../../shared/incident';
import { PolicyError } from '../../shared/policy/safety-policy';
import { type RoutingTable } from '../../shared/routing/routing-table';
import {
  IncidentKeyAttr,
  OutcomeAttr,
  PhaseAttr,
  PlaybookAttr,
  ResourceAttr,
} from '../../shared/search-attributes';
import { workflowTaskQueue } from '../../shared/task-queues';
import {
  approveUpdate,
  rejectUpdate,
  statusQuery,
  type DecisionReply,
  type PlaybookStatus,
} from '../../shared/workflow-interface';
import { type SigningKey } from '../../shared/secrets';
import { decisionRefusal } from '../decision-refusal';
import { rememberedAlerts } from '../../activities/lifecycle/lifecycle-store';
import { renderIncidentReport } from '../report/incident-report';
import { auditOf, readIncident, withEpisodes } from './incident-reader';
import { ingestAlertmanager, isPermanentTemporalError } from './alert-intake';
import { broadcastControl, readControlState, setControlState } from './kill-switch';
import { manualRoute } from './manual-route';
import { coalescedRememberedLookup, type RememberedQuery } from './remembered-batcher';
import { signalWithStart } from './signal-with-start';
import { applySchedules, listSchedules, loadSchedules } from './schedules';
import { ServiceError, type IntakeResult, type Principal } from './types';

export interface ReboundServiceDeps {
  client: Client;
  config: ReboundConfig;
  statePool: Pool;
  routing: RoutingTable;
  schedulesFile: string;
  /** The Ed25519 key that signs decisions; called per decision so a rotated key takes effect at once. */
  signingKey: () => SigningKey;
  taskQueuePrefix: string;
}

/** The settings a manual trigger carries beyond playbook and resource (what an attach ignores). */
export function settingsOfTrigger(req: ManualTrigger): string[] {
  return [
    // The resource determines its own parameter: the incident in flight has the same one.
    ...Object.keys(req.params ?? {})
      .filter((k) => k !== playbookDefinition(req.playbook)?.resourceParam)
      .map((k) => `params.${k}`),
    ...Object.keys(req.approval ?? {}).map((k) => `approval.${k}`),
    ...(req.dryRun ? ['dryRun'] : []),
  ];
}

export class ReboundService {
  /** Closed-episode lookups of notifications arriving together share one query (remembered-batcher.ts). */
  private readonly remembered: RememberedQuery;

  constructor(private readonly deps: ReboundServiceDeps) {
    this.remembered = coalescedRememberedLookup((pairs, maxAgeMs) =>
      rememberedAlerts(deps.statePool, deps.taskQueuePrefix, pairs, maxAgeMs),
    );
  }

  private get taskQueue(): string {
    return workflowTaskQueue(this.deps.taskQueuePrefix);
  }

  /**
   * The Alertmanager webhook: one result per alert (client/service/alert-intake.ts, issue 10). An
   * alert whose annotations would loosen the safety policy is `rejected` naming the setting and
   * audited (issue 9); the other alerts of the notification are still recorded.
   */
  ingestAlertmanager(payload: AlertmanagerWebhook, principal: Principal): Promise<IntakeResult> {
    return ingestAlertmanager(
      {
        client: this.deps.client,
        statePool: this.deps.statePool,
        routing: this.deps.routing,
        scope: this.deps.taskQueuePrefix,
        remembered: this.remembered,
        startOrAttach: (incidentId, route, alert) =>
          this.startOrAttach(incidentId, route, alert, {
            source: 'alertmanager',
            initiator: principal.name,
            reason: `${alert.alertname || alert.fingerprint}: ${alert.annotations.summary ?? alert.annotations.description ?? 'alert fired'}`,
            dryRun: false,
          }),
        policyRefused: (incidentId, fingerprint, err) =>
          this.audit(
            incidentId,
            `policy-refused:${principal.name}:${fingerprint}:${new Date().toISOString()}`,
            {
              kind: 'policy-refused',
              actor: principal.name,
              detail: {
                type: err.type,
                setting: err.details.setting,
                message: err.message,
                requested: err.details.requested ?? null,
                fingerprint,
              },
            },
          ),
      },
      payload,
    );
  }

  async trigger(
    req: ManualTrigger,
    principal: Principal,
  ): Promise<{ incidentId: string; action: 'started' | 'attached'; ignored?: string[]; notice?: string }> {
    const { incidentId, route } = await this.auditPolicyRefusal(req, principal, () =>
      manualRoute(this.deps.routing, req),
    );
    // A recovery after a dry run shows the dry run's plan beside the real one at its gates.
    if (!req.dryRun) route.dryRunPlan = await this.lastDryRunPlan(incidentId);
    const { started } = await this.startOrAttach(incidentId, route, undefined, {
      source: 'manual',
      initiator: principal.name,
      reason: req.reason,
      dryRun: req.dryRun,
    });
    if (started) return { incidentId, action: 'started' };
    // The incident in flight keeps its own settings: say which of this request's do not apply.
    const ignored = settingsOfTrigger(req);
    return {
      incidentId,
      action: 'attached',
      ignored,
      notice:
        ignored.length === 0
          ? 'attached to the incident in flight'
          : `attached to the incident in flight, which keeps the settings it started with: ${ignored.join(', ')} of this request do not apply (cancel it and trigger again to change them)`,
    };
  }

  async list(filter: {
    status?: 'running' | 'closed';
    playbook?: string;
    resource?: string;
    limit?: number;
  }): Promise<IncidentSummary[]> {
    const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    const clauses = [`WorkflowType = '${INCIDENT_WORKFLOW_TYPE}'`, `TaskQueue = ${quote(this.taskQueue)}`];
    if (filter.status === 'running') clauses.push(`ExecutionStatus = 'Running'`);
    if (filter.status === 'closed') clauses.push(`ExecutionStatus != 'Running'`);
    if (filter.playbook) clauses.push(`${PlaybookAttr.name} = ${quote(filter.playbook)}`);
    if (filter.resource) clauses.push(`${ResourceAttr.name} = ${quote(filter.resource)}`);
    const limit = filter.limit ?? 50;
    const out: IncidentSummary[] = [];
    for await (const wf of this.deps.client.workflow.list({
      query: clauses.join(' AND '),
      pageSize: Math.min(limit, 100),
    })) {
      out.push(summaryOf(wf));
      if (out.length >= limit) break;
    }
    return withEpisodes(this.deps.statePool, out);
  }

  /** An incident, episode or playbook run id (client/service/incident-reader.ts). */
  get(incidentId: string): Promise<IncidentView> {
    return readIncident(this.deps.client, incidentId);
  }

  /** The report of one episode: its status and its own audit trail only. */
  async report(incidentId: string): Promise<string> {
    const view = await this.get(incidentId);
    return renderIncidentReport(view, await auditOf(this.deps.statePool, view));
  }

  /**
   * Signs and delivers one approver's decision on the gate they name (`approvalId`) for what they
   * were shown (`digest`). Throws ServiceError typed ApprovalNotPending / ApprovalDigestMismatch
   * (409, details.currentGate = the gate pending now or null) when that gate is not the one
   * pending, and the workflow validator's refusal type (403/409/400) when it refuses.
   */
  async decide(
    incidentId: string,
    d: {
      decision: 'approve' | 'reject';
      comment?: string;
      choice?: string;
      approvalId?: string;
      digest?: string;
    },
    principal: Principal,
  ): Promise<DecisionReply & { workflowId: string }> {
    const view = await this.get(incidentId);
    const holders = [view.incident, view.playbook].filter(
      (s): s is PlaybookStatus => s?.pendingApproval !== undefined,
    );
    const conflict = async (type: string, reason: string, message: string) => {
      const currentGate = holders[0]?.pendingApproval ?? null;
      await this.audit(
        // On the incident, the entry belongs to the episode's audit trail (its report shows it).
        holders[0] && holders[0].workflowId !== view.incidentId
          ? holders[0].workflowId
          : (view.episodeId ?? view.incidentId),
        `decision-refused:api:${principal.name}:${new Date().toISOString()}`,
        {
          kind: 'decision-refused',
          actor: principal.name,
          detail: { type, reason, approvalId: d.approvalId, decision: d.decision, via: 'api' },
        },
      );
      return new ServiceError('conflict', message, { reason, currentGate }, type);
    };
    if (!view.running) {
      throw await conflict(
        ErrorTypes.ApprovalNotPending,
        'incident-closed',
        `${incidentId} is closed: nothing is pending`,
      );
    }
    const holder = d.approvalId ? holders.find((h) => h.pendingApproval!.id === d.approvalId) : holders[0];
    if (!holder) {
      throw await conflict(
        ErrorTypes.ApprovalNotPending,
        d.approvalId ? 'other-gate' : 'nothing-pending',
        d.approvalId
          ? `approval ${d.approvalId} is not pending on ${incidentId}`
          : `nothing is pending approval on ${incidentId}`,
      );
    }
    const gate = holder.pendingApproval!;
    if (d.digest !== undefined && d.digest !== gate.digest) {
      throw await conflict(
        ErrorTypes.ApprovalDigestMismatch,
        'digest-changed',
        `approval ${gate.id} changed since it was shown; review the current gate and decide again`,
      );
    }
    const handle = this.deps.client.workflow.getHandle(holder.workflowId);
    const { runId } = await handle.describe();
    const issued = Date.now();
    const signed = signDecisionWith(this.deps.signingKey(), {
      workflowId: holder.workflowId,
      runId,
      approvalId: gate.id,
      digest: d.digest ?? gate.digest ?? '',
      decision: d.decision,
      choice: d.choice,
      comment: d.comment,
      principal: principal.name,
      roles: [...principal.roles],
      issuedAt: new Date(issued).toISOString(),
      expiresAt: new Date(issued + DECISION_TTL_MS).toISOString(),
    });
    try {
      const reply = await handle.executeUpdate(d.decision === 'approve' ? approveUpdate : rejectUpdate, {
        args: [signed],
      });
      return { ...reply, workflowId: holder.workflowId };
    } catch (err) {
      if (!(err instanceof WorkflowUpdateFailedError)) throw err;
      // The workflow audited the refusal (decision-audit sink); here it becomes the typed error.
      const refusal = decisionRefusal(err);
      if (!refusal) throw new ServiceError('forbidden', err.cause?.message ?? err.message);
      throw new ServiceError(
        refusal.type === ErrorTypes.ApprovalNotPending ? 'conflict' : 'forbidden',
        refusal.message,
        { reason: refusal.reason, currentGate: refusal.currentGate ?? null },
        refusal.type,
      );
    }
  }

  async auditDeniedDecision(incidentId: string, principal: string, role: string): Promise<void> {
    await this.audit(incidentId, `decision-refused:api:${principal}:${new Date().toISOString()}`, {
      kind: 'decision-refused',
      actor: principal,
      detail: { type: ErrorTypes.DecisionForbidden, reason: 'missing-role', role, via: 'api' },
    });
  }

  async cancel(incidentId: string, principal: Principal): Promise<{ incidentId: string }> {
    const view = await this.get(incidentId);
    if (!view.running) throw new ServiceError('conflict', `${incidentId} is not running`);
    incidentId = view.incidentId;
    await this.audit(view.episodeId ?? incidentId, `cancel-requested:${new Date().toISOString()}`, {
      kind: 'cancel-requested',
      actor: principal.name,
      detail: {},
    });
    await this.deps.client.workflow.getHandle(incidentId).cancel();
    return { incidentId };
  }

  async pause(principal: Principal, reason?: string): Promise<ControlState> {
    const scope = this.deps.taskQueuePrefix;
    const version = await setControlState(this.deps.statePool, scope, true, principal.name, reason);
    await this.audit(`control:${scope}`, `pause:${new Date().toISOString()}`, {
      kind: 'kill-switch-on',
      actor: principal.name,
      detail: { reason, version },
    });
    const signalled = await broadcastControl(this.deps.client, scope, {
      pause: true,
      by: principal.name,
      reason,
      version,
    });
    return { ...(await this.controlState()), signalled };
  }

  async resume(principal: Principal, reason?: string): Promise<ControlState> {
    const scope = this.deps.taskQueuePrefix;
    const version = await setControlState(this.deps.statePool, scope, false, principal.name, reason);
    await this.audit(`control:${scope}`, `resume:${new Date().toISOString()}`, {
      kind: 'kill-switch-off',
      actor: principal.name,
      detail: { reason, version },
    });
    const signalled = await broadcastControl(this.deps.client, scope, {
      pause: false,
      by: principal.name,
      version,
    });
    return { ...(await this.controlState()), signalled };
  }

  controlState(): Promise<ControlState> {
    return readControlState(this.deps.statePool, this.deps.taskQueuePrefix);
  }

  listSchedules(): Promise<ScheduleView[]> {
    return listSchedules(this.deps.client, this.deps.taskQueuePrefix, this.schedules());
  }

  async applySchedules(principal: Principal): Promise<ScheduleApplyResult> {
    const result = await applySchedules(
      this.deps.client,
      this.deps.taskQueuePrefix,
      this.deps.routing,
      this.schedules(),
    );
    await this.audit(
      `control:${this.deps.taskQueuePrefix}`,
      `schedules-applied:${new Date().toISOString()}`,
      {
        kind: 'schedules-applied',
        actor: principal.name,
        detail: { ...result },
      },
    );
    return result;
  }

  async ready(): Promise<{ ok: boolean; checks: Record<string, boolean> }> {
    const [temporal, postgres] = await Promise.all([
      this.deps.client.workflowService
        .getSystemInfo({})
        .then(() => true)
        .catch(() => false),
      this.deps.statePool
        .query('SELECT 1 FROM control_state LIMIT 1')
        .then(() => true)
        .catch(() => false),
    ]);
    return { ok: temporal && postgres, checks: { temporal, postgres } };
  }

  private schedules() {
    try {
      return loadSchedules(this.deps.schedulesFile);
    } catch (err) {
      throw new ServiceError('invalid', (err as Error).message);
    }
  }

  /** signalWithStart on the incident key: the run id, and whether this call started the incident. */
  private async startOrAttach(
    incidentId: string,
    route: RouteDecision,
    alert: IncidentAlert | undefined,
    base: Pick<IncidentInput, 'source' | 'initiator' | 'reason' | 'dryRun'>,
  ): Promise<{ runId: string; started: boolean }> {
    const input: IncidentInput = {
      incidentId,
      ...base,
      route,
      alert,
      budget: this.deps.routing.budget,
      needsHumanTimeout: this.deps.routing.file.guardrails.needsHumanTimeout,
      maxRuns: this.deps.routing.file.guardrails.maxRunsPerIncident,
      recurrence: this.deps.routing.recurrence,
    };
    try {
      return await signalWithStart(this.deps.client, {
        workflowId: incidentId,
        workflowType: INCIDENT_WORKFLOW_TYPE,
        taskQueue: this.taskQueue,
        args: [input],
        signal: alert ? alertNoticeSignal.name : triggeredSignal.name,
        signalArgs: alert ? [alert] : [{ by: base.initiator, reason: base.reason }],
        searchAttributes: [
          { key: PlaybookAttr, value: route.playbook ?? 'none' },
          { key: ResourceAttr, value: route.resource ?? incidentId },
          { key: PhaseAttr, value: 'starting' },
          { key: IncidentKeyAttr, value: incidentId },
        ],
      });
    } catch (err) {
      // A permanent refusal (INVALID_ARGUMENT, …) keeps its cause: the intake answers `rejected`.
      const code = isPermanentTemporalError(err) ? 'invalid' : 'unavailable';
      throw Object.assign(
        new ServiceError(code, `could not record the incident: ${(err as Error).message}`),
        { cause: err },
      );
    }
  }

  /** The plan of the incident's last run when that run was a dry run that has closed, if any. */
  private async lastDryRunPlan(incidentId: string): Promise<PlaybookStatus['plan']> {
    try {
      const handle = this.deps.client.workflow.getHandle(incidentId);
      if ((await handle.describe()).status.name === 'RUNNING') return undefined;
      const last = await handle.query(statusQuery);
      return last.dryRun && last.plan?.length ? last.plan : undefined;
    } catch {
      return undefined; // no earlier run, or it cannot be read: nothing to show beside
    }
  }

  /** Runs `fn`; a PolicyError (a loosened safety setting, a contradicting parameter) is audited, then rethrown. */
  private async auditPolicyRefusal<T>(
    req: { playbook: string; resource: string; params: Record<string, unknown> },
    principal: Principal,
    fn: () => T,
  ): Promise<T> {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      await this.audit(
        incidentIdFor(`${req.playbook}:${req.resource}`),
        `policy-refused:${principal.name}:${new Date().toISOString()}`,
        {
          kind: 'policy-refused',
          actor: principal.name,
          resource: req.resource,
          detail: {
            type: err.type,
            setting: err.details.setting,
            message: err.message,
            requested: err.details.requested ?? null,
          },
        },
      );
      throw err;
    }
  }

  private async audit(
    workflowId: string,
    entryKey: string,
    e: { kind: string; actor: string; resource?: string; detail: Record<string, unknown> },
  ): Promise<void> {
    await this.deps.statePool.query(
      `INSERT INTO audit_events (workflow_id, entry_key, kind, actor, resource, detail)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workflow_id, entry_key) DO NOTHING`,
      [workflowId, entryKey, e.kind, e.actor, e.resource ?? null, JSON.stringify(e.detail)],
    );
  }
}

function summaryOf(wf: WorkflowExecutionInfo): IncidentSummary {
  const attr = (k: typeof PlaybookAttr) => wf.typedSearchAttributes.get(k);
  return {
    incidentId: wf.workflowId,
    runId: wf.runId,
    status: wf.status.name === 'RUNNING' ? 'running' : 'closed',
    executionStatus: wf.status.name,
    playbook: attr(PlaybookAttr),
    resource: attr(ResourceAttr),
    phase: attr(PhaseAttr),
    outcome: wf.typedSearchAttributes.get(OutcomeAttr),
    startedAt: wf.startTime.toISOString(),
    closedAt: wf.closeTime?.toISOString(),
  };
}
