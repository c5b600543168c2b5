// What the intake decides for an alert notice when it must not (or cannot) reach an open episode:
// the alerts of closed episodes, and resolutions that arrived with no episode open, are kept for
// the route's cooldown. A firing that is not newer than one of them starts nothing (`ignored`,
// with the reason); a resolution with no open episode is remembered so that its firing, delivered
// late by the other Alertmanager of an HA pair, is ignored too. Pure: the API feeds it rows from
// Rebound's database, the lifecycle machine and the property tests feed it their own.
import { generationOf, type AlertNotice } from './alert-set';

/** One remembered alert of a closed episode (or a resolution seen with no episode open). */
export interface ClosedAlert {
  fingerprint: string;
  /** `startsAt` in epoch ms. */
  generation: number;
  status: 'firing' | 'resolved';
  /** When the episode closed / the resolution arrived, epoch ms. */
  closedAt: number;
  /** The episode it belonged to, when there was one. */
  episodeId?: string;
}

export type ClosedDecision = { action: 'start' } | { action: 'ignored'; reason: string; episodeId?: string };

/**
 * Decides a firing notice against the remembered alerts of the same incident key and fingerprint.
 * @param nowMs the intake's clock, epoch ms
 * @param cooldownMs the route's cooldown (routing file `cooldown`)
 */
export function decideFiring(
  remembered: ClosedAlert[],
  n: AlertNotice,
  nowMs: number,
  cooldownMs: number,
): ClosedDecision {
  const g = generationOf(n.startsAt);
  for (const r of remembered) {
    if (r.fingerprint !== n.fingerprint || nowMs - r.closedAt >= cooldownMs) continue;
    if (r.generation === g) {
      return {
        action: 'ignored',
        reason:
          r.status === 'resolved'
            ? `re-delivered firing (startsAt ${n.startsAt}) of an alert already resolved, within the cooldown`
            : `re-delivered firing (startsAt ${n.startsAt}) of an episode already closed, within the cooldown`,
        episodeId: r.episodeId,
      };
    }
    if (r.generation > g) {
      return {
        action: 'ignored',
        reason: `stale firing: startsAt ${n.startsAt} is older than a generation already closed`,
        episodeId: r.episodeId,
      };
    }
  }
  return { action: 'start' };
}
