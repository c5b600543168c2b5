// The incident's alert notices (issue 10): each attached alert is tracked by fingerprint in an
// AlertSet; the incident counts as resolved only while every attached alert is resolved, and a
// later firing clears a resolution. The run's `alertResolved` follows the set, and each change is
// passed on to the playbook run in flight, whose destructive steps check it when they are reached.
import { getExternalWorkflowHandle } from '@temporalio/workflow';
import { type IncidentAlert } from '../../shared/api/schemas';
import { type IncidentDetails } from '../../shared/incident';
import { AlertSet, type NoticeEffect } from '../../shared/lifecycle/alert-set';
import { alertFiringSignal, alertResolvedSignal } from '../../shared/workflow-interface';
import { type PlaybookRun } from '../lib/playbook-run';
import { type AlertTracker } from './alert-tracker';

export class AlertNotices {
  readonly set = new AlertSet();
  /** Firings that were new or a later generation (a fault that came back). */
  newFirings = 0;
  /** Every notice applied (the episode re-records its alerts if one arrived while it closed). */
  applied = 0;

  constructor(
    private readonly run: PlaybookRun,
    private readonly details: IncidentDetails,
    private readonly tracker: AlertTracker,
    private readonly activeChild: () => string | undefined,
  ) {}

  apply(alert: IncidentAlert): NoticeEffect {
    const effect = this.set.apply({
      fingerprint: alert.fingerprint,
      status: alert.status,
      startsAt: alert.startsAt,
      endsAt: alert.endsAt,
    });
    if (alert.status === 'firing' && effect !== 'stale') this.tracker.fired(alert);
    if (effect === 'new' || effect === 'refired') this.newFirings += 1;
    this.applied += 1;
    if (alert.truncatedAlerts) {
      this.details.truncatedAlerts = Math.max(this.details.truncatedAlerts ?? 0, alert.truncatedAlerts);
    }
    this.details.alertStates = this.set.list();
    this.details.staleNotices = this.set.stale;
    this.details.repeats = this.tracker.repeats;
    this.run.status.updatedAt = new Date().toISOString();
    this.sync();
    return effect;
  }

  /** The firing alerts as IncidentAlerts (to carry into the next episode). */
  firingAlerts(): IncidentAlert[] {
    return this.set.firing.map(
      (a) =>
        this.tracker.alerts.find((k) => k.fingerprint === a.fingerprint && k.startsAt === a.startsAt) ?? {
          fingerprint: a.fingerprint,
          alertname: '',
          status: 'firing',
          labels: {},
          annotations: {},
          startsAt: a.startsAt,
          receivedAt: a.startsAt,
        },
    );
  }

  private sync(): void {
    const resolved = this.set.allResolved;
    if (resolved === this.run.status.alertResolved) return;
    this.run.status.alertResolved = resolved;
    const child = this.activeChild();
    if (!child) return;
    const handle = getExternalWorkflowHandle(child);
    const at = new Date().toISOString();
    const sent = resolved
      ? handle.signal(alertResolvedSignal, { at })
      : handle.signal(alertFiringSignal, { at });
    // The child may just have closed: a failed forward is harmless (it has nothing left to stop).
    void sent.catch(() => undefined);
  }
}
