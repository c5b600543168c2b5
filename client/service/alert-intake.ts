// The Alertmanager intake (issue 10 build items 2 and 3): never loses a valid alert. Each alert is
// validated on its own (an invalid one is `rejected` with its reason, its group still recorded),
// routed to its incident key, judged against the alerts of closed episodes (a re-delivered firing
// within the route's cooldown is `ignored`, with the reason), and sent to the incident as an
// alertNotice: signalWithStart for a firing (started / attached), a signal for a resolution
// (resolved; `ignored` when no episode is open, and remembered). A permanent per-alert error from
// Temporal is `rejected`, never a 5xx; transient errors are retried, and only when an alert still
// could not be recorded does the whole notification get a 503 (Alertmanager then re-sends the
// group and what was recorded deduplicates).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { type Pool } from 'pg';
import {
  alertmanagerAlertSchema,
  type AlertmanagerAlert,
  type AlertmanagerWebhook,
  type IncidentAlert,
} from '../../shared/api/schemas';
import { parseDuration } from '../../shared/duration';
import { alertNoticeSignal, episodeIdFor, incidentIdFor, type RouteDecision } from '../../shared/incident';
import { generationOf } from '../../shared/lifecycle/alert-set';
import { decideFiring, type ClosedAlert } from '../../shared/lifecycle/closed-memory';
import { PolicyError } from '../../shared/policy/safety-policy';
import { RESOURCE_ID_PATTERN } from '../../shared/resource';
import { type RoutingTable } from '../../shared/routing/routing-table';
import { recordOrphanResolution, rememberedAlerts } from '../../activities/lifecycle/lifecycle-store';
import { type RememberedQuery } from './remembered-batcher';
import { ServiceError, type IntakeResult } from './types';

type AlertResult = IntakeResult['incidents'][number];

/** Longest fingerprint accepted (Alertmanager's are 16 hex digits); it becomes part of an id. */
const MAX_FINGERPRINT = 128;
const TRANSIENT_ATTEMPTS = 3;

export interface IntakeDeps {
  client: Client;
  statePool: Pool;
  routing: RoutingTable;
  scope: string;
  /**
   * Looks up the remembered alerts of closed episodes (default: one query of `statePool` per
   * notification; the service passes a lookup shared by notifications arriving together).
   */
  remembered?: RememberedQuery;
  /** Starts or attaches to the incident with this firing; returns run id and whether it started. */
  startOrAttach(
    incidentId: string,
    route: RouteDecision,
    alert: IncidentAlert,
  ): Promise<{ runId: string; started: boolean }>;
  /** Audits an alert refused by the safety policy (its annotations would loosen a setting). */
  policyRefused?: (incidentId: string, fingerprint: string, err: PolicyError) => Promise<void>;
  log?: (msg: string, detail: Record<string, unknown>) => void;
}

interface RoutedAlert {
  index: number;
  alert: IncidentAlert;
  incidentId: string;
  /** Absent only for a resolution whose route the policy refused (it is still delivered). */
  route?: RouteDecision;
}

/** gRPC statuses that no retry can fix (INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE). */
const PERMANENT_GRPC = new Set([3, 9, 11]);

export function isPermanentTemporalError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number' && PERMANENT_GRPC.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      if (
        isPermanentTemporalError(err) ||
        err instanceof WorkflowNotFoundError ||
        attempt >= TRANSIENT_ATTEMPTS
      )
        throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

/** Per-alert validation; returns the reason an alert is rejected, or the parsed alert. */
function validate(raw: unknown): { ok: true; alert: AlertmanagerAlert } | { ok: false; reason: string } {
  const parsed = alertmanagerAlertSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(alert)'}: ${i.message}`).join('; '),
    };
  }
  const fp = parsed.data.fingerprint;
  if (fp.length > MAX_FINGERPRINT || !RESOURCE_ID_PATTERN.test(fp)) {
    return {
      ok: false,
      reason: `fingerprint must be at most ${MAX_FINGERPRINT} characters of ${RESOURCE_ID_PATTERN.source}`,
    };
  }
  return { ok: true, alert: parsed.data };
}

/** Where a notification came from: kept with each of its alerts (issue 13). */
type Origin = Pick<AlertmanagerWebhook, 'groupKey' | 'externalURL'>;

function incidentAlertOf(
  a: AlertmanagerAlert,
  receivedAt: string,
  truncated: number,
  origin: Origin,
): IncidentAlert {
  return {
    fingerprint: a.fingerprint,
    alertname: a.labels.alertname ?? '',
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    endsAt: a.status === 'resolved' ? a.endsAt : undefined,
    receivedAt,
    truncatedAlerts: truncated > 0 ? truncated : undefined,
    generatorURL: a.generatorURL || undefined,
    groupKey: origin.groupKey || undefined,
    externalURL: origin.externalURL || undefined,
  };
}

function fingerprintOf(raw: unknown): string {
  const fp = (raw as { fingerprint?: unknown } | null)?.fingerprint;
  return typeof fp === 'string' ? fp.slice(0, MAX_FINGERPRINT) : '';
}

/**
 * Records every alert of an Alertmanager v4 notification; one result per alert, in order.
 * @throws ServiceError `unavailable` when an alert could not be recorded after retries (503)
 */
export async function ingestAlertmanager(
  deps: IntakeDeps,
  payload: AlertmanagerWebhook,
): Promise<IntakeResult> {
  const receivedAt = new Date().toISOString();
  const truncated = payload.truncatedAlerts ?? 0;
  const results = new Array<AlertResult>(payload.alerts.length);
  const routed: RoutedAlert[] = [];
  const refusals: { incidentId: string; fingerprint: string; err: PolicyError }[] = [];
  payload.alerts.forEach((raw, index) => {
    const v = validate(raw);
    if (!v.ok) {
      results[index] = {
        fingerprint: fingerprintOf(raw),
        incidentId: '',
        action: 'rejected',
        reason: v.reason,
      };
      return;
    }
    const a = v.alert;
    let routedAlert;
    try {
      routedAlert = deps.routing.route(a);
    } catch (err) {
      // Annotations may only tighten the safety policy (issue 9): this alert starts nothing.
      if (!(err instanceof PolicyError)) throw err;
      // A resolution is still delivered: it only ends what is open, it starts nothing.
      if (a.status === 'resolved' && err.incidentId) {
        routed.push({
          index,
          incidentId: err.incidentId,
          alert: incidentAlertOf(a, receivedAt, truncated, payload),
        });
        return;
      }
      results[index] = {
        fingerprint: a.fingerprint,
        incidentId: err.incidentId ?? '',
        action: 'rejected',
        reason: `${err.type} (${err.details.setting}): ${err.message}`,
      };
      refusals.push({
        incidentId: err.incidentId ?? incidentIdFor(`alert:${a.fingerprint}`),
        fingerprint: a.fingerprint,
        err,
      });
      return;
    }
    const { incidentId, route } = routedAlert;
    routed.push({ index, incidentId, route, alert: incidentAlertOf(a, receivedAt, truncated, payload) });
  });

  if (deps.policyRefused) {
    const audit = deps.policyRefused;
    await Promise.all(refusals.map((r) => audit(r.incidentId, r.fingerprint, r.err)));
  }
  const remembered = await lookupRemembered(deps, routed);
  // Alerts of one incident in order (firings first, so a group's resolution never closes an
  // episode that the same group's firing keeps open); incidents concurrently.
  const byIncident = new Map<string, RoutedAlert[]>();
  for (const r of routed) byIncident.set(r.incidentId, [...(byIncident.get(r.incidentId) ?? []), r]);
  let unrecorded = 0;
  let lastError: unknown;
  await Promise.all(
    [...byIncident.values()].map(async (list) => {
      list.sort((a, b) =>
        a.alert.status === b.alert.status ? a.index - b.index : a.alert.status === 'firing' ? -1 : 1,
      );
      for (const r of list) {
        try {
          results[r.index] = await recordOne(deps, r, remembered);
        } catch (err) {
          if (isPermanentTemporalError(err)) {
            results[r.index] = {
              fingerprint: r.alert.fingerprint,
              incidentId: r.incidentId,
              action: 'rejected',
              reason: `Temporal refused the alert permanently: ${(err as Error).message}`,
            };
          } else {
            unrecorded += 1;
            lastError = err;
          }
        }
      }
    }),
  );
  if (unrecorded > 0) {
    throw new ServiceError(
      'unavailable',
      `${unrecorded} of ${routed.length} alerts could not be recorded (re-send the notification): ${(lastError as Error)?.message}`,
    );
  }
  return { incidents: results, truncatedAlerts: truncated > 0 ? truncated : undefined };
}

async function recordOne(
  deps: IntakeDeps,
  r: RoutedAlert,
  remembered: Map<string, ClosedAlert[]>,
): Promise<AlertResult> {
  const base = { fingerprint: r.alert.fingerprint, incidentId: r.incidentId };
  if (r.alert.status === 'firing') {
    const route = r.route;
    if (!route) throw new Error(`firing ${r.alert.fingerprint} has no route`);
    const cooldownMs = parseDuration(route.cooldown ?? deps.routing.file.guardrails.cooldown);
    const decision = decideFiring(
      remembered.get(`${r.incidentId}\n${r.alert.fingerprint}`) ?? [],
      r.alert,
      Date.now(),
      cooldownMs,
    );
    if (decision.action === 'ignored') {
      await recordIgnored(deps, r, decision.reason, decision.episodeId);
      return { ...base, action: 'ignored', reason: decision.reason, episodeId: decision.episodeId };
    }
    const { runId, started } = await withRetries(() => deps.startOrAttach(r.incidentId, route, r.alert));
    return {
      ...base,
      action: started ? 'started' : 'attached',
      episodeId: runId ? episodeIdFor(r.incidentId, runId) : undefined,
    };
  }
  try {
    await withRetries(() => deps.client.workflow.getHandle(r.incidentId).signal(alertNoticeSignal, r.alert));
    return { ...base, action: 'resolved' };
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // No episode open: remember the resolution, so its firing delivered late starts nothing.
    await recordOrphanResolution(deps.statePool, deps.scope, r.incidentId, {
      fingerprint: r.alert.fingerprint,
      generation: generationOf(r.alert.startsAt),
    }).catch((e: unknown) => deps.log?.('could not remember a resolution', { ...base, error: String(e) }));
    return { ...base, action: 'ignored', reason: 'resolved, but no episode of this incident is open' };
  }
}

/**
 * The reason a firing started nothing goes to the audit trail of the episode it belongs to, once
 * per firing (re-deliveries of the same firing are the same entry).
 */
async function recordIgnored(
  deps: IntakeDeps,
  r: RoutedAlert,
  reason: string,
  episodeId?: string,
): Promise<void> {
  await deps.statePool
    .query(
      `INSERT INTO audit_events (workflow_id, entry_key, kind, actor, resource, detail)
       VALUES ($1, $2, 'alert-ignored', 'rebound', $3, $4) ON CONFLICT (workflow_id, entry_key) DO NOTHING`,
      [
        episodeId ?? r.incidentId,
        `ignored:${r.alert.fingerprint}:${r.alert.startsAt}`,
        r.route?.resource ?? null,
        JSON.stringify({ reason, fingerprint: r.alert.fingerprint, startsAt: r.alert.startsAt }),
      ],
    )
    .catch((err: unknown) => deps.log?.('could not audit an ignored alert', { reason, error: String(err) }));
}

/** The remembered alerts for this notification's firings, in one query. */
async function lookupRemembered(
  deps: IntakeDeps,
  routed: RoutedAlert[],
): Promise<Map<string, ClosedAlert[]>> {
  const pairs = routed
    .filter((r) => r.alert.status === 'firing')
    .map((r) => ({ incidentId: r.incidentId, fingerprint: r.alert.fingerprint }));
  if (pairs.length === 0) return new Map();
  try {
    const maxAgeMs = maxCooldownMs(deps.routing);
    return deps.remembered
      ? await deps.remembered(pairs, maxAgeMs)
      : await rememberedAlerts(deps.statePool, deps.scope, pairs, maxAgeMs);
  } catch (err) {
    // Without the memory a re-delivery may open an episode; losing a new firing would be worse.
    deps.log?.('closed-episode memory unavailable; firings are not checked against it', {
      error: String(err),
    });
    return new Map();
  }
}

function maxCooldownMs(routing: RoutingTable): number {
  return Math.max(
    parseDuration(routing.file.guardrails.cooldown),
    ...routing.file.routes.map((r) => (r.cooldown ? parseDuration(r.cooldown) : 0)),
  );
}
