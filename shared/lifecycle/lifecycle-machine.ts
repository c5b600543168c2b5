// The incident lifecycle as one pure state machine: notices for incident keys in, intake actions
// and episodes out. It composes the same two rules the running system uses (AlertSet inside the
// incident workflow, decideFiring in the API intake) with the episode rule of an incident that
// closes when its alerts resolve (needs-human, resolved-before-action): open while any attached
// alert fires, closed when all resolved, a new episode when the fault comes back. The property
// tests check it against a reference model over any interleaving, duplication and reordering.
import { AlertSet, generationOf, type AlertNotice, type NoticeEffect } from './alert-set';
import { decideFiring, type ClosedAlert } from './closed-memory';

export type IntakeAction = 'started' | 'attached' | 'resolved' | 'ignored';

export interface Episode {
  key: string;
  /** 1-based per incident key. */
  ordinal: number;
  alerts: AlertSet;
  closedAt?: number;
}

export interface DeliveryResult {
  action: IntakeAction;
  episode?: number;
  effect?: NoticeEffect;
  reason?: string;
}

interface KeyState {
  open?: Episode;
  episodes: Episode[];
  remembered: ClosedAlert[];
}

export class LifecycleMachine {
  private readonly keys = new Map<string, KeyState>();

  constructor(private readonly opts: { cooldownMs: number }) {}

  private state(key: string): KeyState {
    let s = this.keys.get(key);
    if (!s) {
      s = { episodes: [], remembered: [] };
      this.keys.set(key, s);
    }
    return s;
  }

  /** One alert notice for `key` at `nowMs`; the intake's answer and what it did. */
  deliver(key: string, n: AlertNotice, nowMs: number): DeliveryResult {
    const s = this.state(key);
    if (n.status === 'firing') {
      const decision = decideFiring(s.remembered, n, nowMs, this.opts.cooldownMs);
      if (decision.action === 'ignored') return { action: 'ignored', reason: decision.reason };
      if (s.open) {
        const effect = s.open.alerts.apply(n);
        return { action: 'attached', episode: s.open.ordinal, effect };
      }
      const ep: Episode = { key, ordinal: s.episodes.length + 1, alerts: new AlertSet() };
      ep.alerts.apply(n);
      s.episodes.push(ep);
      s.open = ep;
      return { action: 'started', episode: ep.ordinal, effect: 'new' };
    }
    if (!s.open) {
      s.remembered.push({
        fingerprint: n.fingerprint,
        generation: generationOf(n.startsAt),
        status: 'resolved',
        closedAt: nowMs,
      });
      return { action: 'ignored', reason: 'no open episode' };
    }
    const ep = s.open;
    const effect = ep.alerts.apply(n);
    if (ep.alerts.allResolved) this.close(s, ep, nowMs);
    return { action: 'resolved', episode: ep.ordinal, effect };
  }

  /**
   * One Alertmanager notification (a group flush) as the intake handles it: per incident key,
   * firings first, then the resolutions, which all reach the episode open when they are sent (it
   * closes once, after the group, when every alert is resolved). Results in intake order.
   */
  deliverGroup(notices: { key: string; notice: AlertNotice }[], nowMs: number): DeliveryResult[] {
    const ordered = [...notices].sort((a, b) =>
      a.notice.status === b.notice.status ? 0 : a.notice.status === 'firing' ? -1 : 1,
    );
    const results: DeliveryResult[] = [];
    const toClose = new Set<string>();
    for (const { key, notice } of ordered) {
      const s = this.state(key);
      if (notice.status === 'firing' || !s.open) {
        results.push(this.deliver(key, notice, nowMs));
        continue;
      }
      const effect = s.open.alerts.apply(notice);
      toClose.add(key);
      results.push({ action: 'resolved', episode: s.open.ordinal, effect });
    }
    for (const key of toClose) {
      const s = this.state(key);
      if (s.open?.alerts.allResolved) this.close(s, s.open, nowMs);
    }
    return results;
  }

  private close(s: KeyState, ep: Episode, nowMs: number): void {
    ep.closedAt = nowMs;
    s.open = undefined;
    for (const a of ep.alerts.list()) {
      s.remembered.push({
        fingerprint: a.fingerprint,
        generation: a.generation,
        status: a.status,
        closedAt: nowMs,
        episodeId: `${ep.key}#${ep.ordinal}`,
      });
    }
  }

  openEpisode(key: string): Episode | undefined {
    return this.keys.get(key)?.open;
  }

  episodes(key: string): Episode[] {
    return this.keys.get(key)?.episodes ?? [];
  }
}
