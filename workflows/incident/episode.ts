// Episodes (issue 10): a fault that comes back after its incident closed starts a new run of the
// incident key's workflow id (the per-resource lock), and that run is a new episode with its own
// identity, `<incidentId>#<runId>`. Every effect key derives from it: audit entries and
// notifications (the run's ledger id), budget claims and child workflow ids (`<episodeId>/run-n`).
// When the episode closes, its alerts are remembered for the route's cooldown, so the intake can
// answer `ignored` to a re-delivered firing; firings that arrive while it closes open the next one.
import { CancellationScope, continueAsNew, workflowInfo } from '@temporalio/workflow';
import type { LifecycleActivities } from '../../activities/lifecycle/lifecycle-activities';
import { parseDuration } from '../../shared/duration';
import { episodeIdFor, type IncidentDetails, type IncidentInput } from '../../shared/incident';
import { prefixOfWorkflowQueue } from '../../shared/task-queues';
import { type PlaybookResult } from '../../shared/workflow-interface';
import { activitiesOn } from '../lib/activity-presets';
import { type AlertNotices } from './alert-notices';

/** The `patched()` id that turns episodes on; runs recorded before it keep their old keys. */
export const EPISODES_PATCH = 'incident-episodes';

export class Episode {
  readonly id: string;
  /** Episodes of this incident opened within the recurrence window, this one included. */
  recent = 1;
  private readonly lifecycle = activitiesOn<LifecycleActivities>('control', 'bookkeeping');
  private readonly scope = prefixOfWorkflowQueue(workflowInfo().taskQueue);
  private firingsAtDecision = 0;

  constructor(
    private readonly input: IncidentInput,
    private readonly details: IncidentDetails,
    private readonly notices: AlertNotices,
  ) {
    this.id = episodeIdFor(input.incidentId, workflowInfo().runId);
    details.episodeId = this.id;
  }

  /** Records the episode and counts the incident's recent ones (the recurrence rule). */
  async open(): Promise<void> {
    for (const a of this.input.carriedAlerts ?? []) this.notices.apply(a);
    const opened = await this.lifecycle.openEpisode({
      scope: this.scope,
      incidentId: this.input.incidentId,
      runId: workflowInfo().runId,
      episodeId: this.id,
      windowMs: parseDuration(this.input.recurrence?.window ?? '1h'),
    });
    this.details.episode = opened.ordinal;
    this.recent = opened.recent;
  }

  /** Why this episode goes to a human instead of running again, if it does. */
  recurrenceReason(): string | undefined {
    const r = this.input.recurrence;
    if (!r || this.recent < r.episodes) return undefined;
    return `recovery did not hold: ${this.recent} episodes of ${this.input.incidentId} within ${r.window}`;
  }

  /** Marks the moment the episode decided how to close (firings after it open the next one). */
  decided(): void {
    this.firingsAtDecision = this.notices.newFirings;
  }

  /**
   * Closes the episode: remembers its alerts for the cooldown, then, when a firing arrived while it
   * was closing (or the alerts it closed on as resolved fire again), continues as the next episode
   * with those alerts instead of losing them.
   */
  async close(result: PlaybookResult): Promise<PlaybookResult> {
    const late =
      this.notices.newFirings > this.firingsAtDecision ||
      (result.outcome === 'resolved-before-action' && this.notices.set.firing.length > 0);
    const remember = () =>
      this.lifecycle.closeEpisode({
        scope: this.scope,
        incidentId: this.input.incidentId,
        episodeId: this.id,
        outcome: result.outcome,
        alerts: this.notices.set
          .list()
          .filter((a) => !late || a.status === 'resolved')
          .map((a) => ({ fingerprint: a.fingerprint, generation: a.generation, status: a.status })),
      });
    const applied = this.notices.applied;
    await CancellationScope.nonCancellable(remember);
    // Notices of the same group that arrived while the first write ran (an idempotent upsert).
    if (this.notices.applied !== applied) await CancellationScope.nonCancellable(remember);
    if (late && result.outcome !== 'cancelled') {
      const carried = this.notices.firingAlerts();
      await continueAsNew<(i: IncidentInput) => Promise<PlaybookResult>>({
        ...this.input,
        alert: carried[0],
        carriedAlerts: carried,
      });
    }
    return result;
  }
}
