// Applies the schedules file as Temporal Schedules: create, or update in place when the declared
// spec changed (a hash of the entry rides in the action's memo), pause/unpause to match the file.
// Schedules are named `<task-queue prefix>:<id>`, so deployments (and tests) never touch each
// other's; schedules under the prefix that the file no longer declares are reported, not deleted.
import { createHash } from 'node:crypto';
import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsAction,
  type ScheduleSpec,
} from '@temporalio/client';
import { type ScheduleApplyResult, type ScheduleView } from '../../shared/api/schemas';
import { parseDuration } from '../../shared/duration';
import { incidentIdFor, type IncidentInput } from '../../shared/incident';
import {
  SCHEDULED_RECOVERY_WORKFLOW_TYPE,
  type ScheduledRecoveryInput,
} from '../../shared/lifecycle/scheduled-recovery';
import { type RoutingTable } from '../../shared/routing/routing-table';
import { loadYamlFile } from '../../shared/routing/load-yaml';
import { schedulesFileSchema, type ScheduleEntry } from '../../shared/schedules/schema';
import { workflowTaskQueue } from '../../shared/task-queues';
import { manualRoute } from './manual-route';

const OVERLAP: Record<ScheduleEntry['overlap'], ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
};
const HASH_MEMO = 'reboundScheduleHash';

export function loadSchedules(file: string): ScheduleEntry[] {
  return loadYamlFile(file, schedulesFileSchema).schedules;
}

export function scheduleIdFor(prefix: string, id: string): string {
  return `${prefix}:${id}`;
}

function specOf(s: ScheduleEntry): ScheduleSpec {
  return s.every ? { intervals: [{ every: parseDuration(s.every) }] } : { cronExpressions: s.cron };
}

function actionOf(
  s: ScheduleEntry,
  prefix: string,
  routing: RoutingTable,
  hash: string,
): ScheduleOptionsAction {
  const { incidentKey, route } = manualRoute(routing, {
    playbook: s.playbook,
    resource: s.resource,
    params: s.params,
    approval: s.approval,
    source: `schedule ${s.id}`,
  });
  route.rule = `schedule:${s.id}`;
  const incidentId = incidentIdFor(incidentKey);
  const input: IncidentInput = {
    incidentId,
    source: 'schedule',
    initiator: `schedule:${s.id}`,
    reason: s.reason,
    dryRun: s.dryRun,
    route,
    budget: routing.budget,
    maxRuns: 1,
    recurrence: routing.recurrence,
  };
  const scheduled: ScheduledRecoveryInput = { scheduleId: s.id, incident: input };
  return {
    type: 'startWorkflow',
    // The scheduled workflow hands the recovery to the incident key (signalWithStart), so it takes
    // the per-resource lock and budget that alerts and manual triggers take (issue 10).
    workflowType: SCHEDULED_RECOVERY_WORKFLOW_TYPE,
    // Temporal appends the scheduled time to this id; overlap SKIP keeps one run at a time.
    workflowId: `schedule:${prefix}:${s.id}`,
    taskQueue: workflowTaskQueue(prefix),
    args: [scheduled],
    memo: { [HASH_MEMO]: hash },
  };
}

function hashOf(s: ScheduleEntry): string {
  return createHash('sha256').update(JSON.stringify(s)).digest('hex').slice(0, 16);
}

export async function applySchedules(
  client: Client,
  prefix: string,
  routing: RoutingTable,
  entries: ScheduleEntry[],
): Promise<ScheduleApplyResult> {
  const result: ScheduleApplyResult = { created: [], updated: [], unchanged: [], undeclared: [] };
  for (const s of entries) {
    const scheduleId = scheduleIdFor(prefix, s.id);
    const hash = hashOf(s);
    const action = actionOf(s, prefix, routing, hash);
    const handle = client.schedule.getHandle(scheduleId);
    let existing;
    try {
      existing = await handle.describe();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
    if (!existing) {
      await client.schedule.create({
        scheduleId,
        spec: specOf(s),
        action,
        policies: { overlap: OVERLAP[s.overlap] },
        state: { paused: s.paused, note: s.reason },
      });
      result.created.push(s.id);
      continue;
    }
    const previousHash =
      existing.action.type === 'startWorkflow' ? existing.action.memo?.[HASH_MEMO] : undefined;
    if (previousHash === hash && existing.state.paused === s.paused) {
      result.unchanged.push(s.id);
      continue;
    }
    // One update carries the pause state too: a separate pause call after it could be overtaken
    // by the update's own copy of the earlier state (seen under load: the schedule stayed unpaused).
    const note =
      existing.state.paused === s.paused
        ? existing.state.note
        : s.paused
          ? (s.reason ?? 'paused in the schedules file')
          : 'unpaused in the schedules file';
    await handle.update((prev) => ({
      ...prev,
      spec: specOf(s),
      action,
      policies: { ...prev.policies, overlap: OVERLAP[s.overlap] },
      state: { ...prev.state, paused: s.paused, note },
    }));
    result.updated.push(s.id);
  }
  const declared = new Set(entries.map((s) => scheduleIdFor(prefix, s.id)));
  for await (const summary of client.schedule.list()) {
    if (summary.scheduleId.startsWith(`${prefix}:`) && !declared.has(summary.scheduleId)) {
      result.undeclared.push(summary.scheduleId.slice(prefix.length + 1));
    }
  }
  return result;
}

export async function listSchedules(
  client: Client,
  prefix: string,
  entries: ScheduleEntry[],
): Promise<ScheduleView[]> {
  const views: ScheduleView[] = [];
  for (const s of entries) {
    const base = {
      id: s.id,
      declared: true,
      every: s.every,
      cron: s.cron,
      playbook: s.playbook,
      resource: s.resource,
    };
    try {
      const d = await client.schedule.getHandle(scheduleIdFor(prefix, s.id)).describe();
      views.push({
        ...base,
        exists: true,
        paused: d.state.paused,
        overlap: d.policies.overlap,
        nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
        recentRuns: d.info.recentActions.map((a) => ({
          workflowId: a.action.workflow.workflowId,
          at: a.takenAt.toISOString(),
        })),
      });
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      views.push({ ...base, exists: false, nextRuns: [], recentRuns: [] });
    }
  }
  return views;
}
