// The alerts an incident has seen. Alertmanager redelivers the same alert many times (HA pairs,
// retries, repeat_interval): a (fingerprint, startsAt) pair is one firing, anything else is a
// repeat. A firing first seen after a playbook run started is a new fault on the same resource.
import { type IncidentAlert } from '../../shared/api/schemas';

// Kept alerts are bounded: the status and the history must not grow with an alert storm.
const MAX_KEPT = 50;

export class AlertTracker {
  readonly alerts: IncidentAlert[] = [];
  repeats = 0;
  private readonly seen = new Set<string>();
  private firedSinceMark = false;

  /** Returns true when the alert is a firing not seen before. */
  fired(alert: IncidentAlert): boolean {
    const key = `${alert.fingerprint}@${alert.startsAt}`;
    if (this.seen.has(key)) {
      this.repeats += 1;
      return false;
    }
    this.seen.add(key);
    if (this.alerts.length < MAX_KEPT) this.alerts.push(alert);
    this.firedSinceMark = true;
    return true;
  }

  /** Starts watching for new firings (called when a playbook run starts). */
  mark(): void {
    this.firedSinceMark = false;
  }

  get newFaultSinceMark(): boolean {
    return this.firedSinceMark;
  }
}
