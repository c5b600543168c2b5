// Per-alert state inside one incident episode, keyed by Alertmanager fingerprint. Alertmanager
// re-delivers (HA peers, restarts, repeat_interval), reorders, and sends `resolved` late, so a
// notification is judged by the alert generation it belongs to (its `startsAt`), never by arrival
// order: a notice older than what is known for that fingerprint is stale, ignored and counted; a
// later firing clears a resolution; the episode is resolved only when every attached alert is.
// Pure and sandbox-safe: the incident workflow, the intake and the property tests share it.

/** One Alertmanager notification about one alert (webhook v4 `alerts[]` item, reduced). */
export interface AlertNotice {
  fingerprint: string;
  status: 'firing' | 'resolved';
  /** RFC 3339 as Alertmanager sends it (nanosecond fractions allowed). */
  startsAt: string;
  /** RFC 3339; Alertmanager sends `0001-01-01T00:00:00Z` while firing. */
  endsAt?: string;
}

/** What is known about one fingerprint inside an episode. */
export interface TrackedAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  startsAt: string;
  /** `startsAt` in epoch milliseconds: the generation this state belongs to. */
  generation: number;
  endsAt?: string;
}

/**
 * How a notice changed the set: `new` (first firing of a fingerprint), `refired` (a later
 * generation fires, clearing any resolution), `repeat` (duplicate of what is known), `resolved`,
 * `stale` (older than what is known: ignored and counted).
 */
export type NoticeEffect = 'new' | 'refired' | 'repeat' | 'resolved' | 'stale';

/** Epoch ms of an RFC 3339 timestamp; NaN when unparsable (callers validate first). */
export function generationOf(rfc3339: string): number {
  return Date.parse(rfc3339);
}

/** Alertmanager's "no end yet" value and anything before the epoch count as absent. */
function endOf(n: AlertNotice): number | undefined {
  if (!n.endsAt) return undefined;
  const t = Date.parse(n.endsAt);
  return Number.isFinite(t) && t > 0 ? t : undefined;
}

/** Judges a notice against the known state of its fingerprint (undefined: never seen). */
export function judgeNotice(known: TrackedAlert | undefined, n: AlertNotice): NoticeEffect {
  const g = generationOf(n.startsAt);
  if (!known) return n.status === 'firing' ? 'new' : 'resolved';
  if (n.status === 'firing') {
    if (g > known.generation) return 'refired';
    // The same generation firing again after its resolution is a late copy of the firing.
    if (g === known.generation) return known.status === 'firing' ? 'repeat' : 'stale';
    return 'stale';
  }
  const end = endOf(n);
  if (g < known.generation || (end !== undefined && end < known.generation)) return 'stale';
  if (g === known.generation && known.status === 'resolved') return 'repeat';
  return 'resolved';
}

/** The alerts of one episode; serialisable (lives in the workflow status). */
export class AlertSet {
  readonly alerts: Record<string, TrackedAlert> = {};
  /** Stale notices ignored (older than what was known for their fingerprint). */
  stale = 0;
  /** Exact duplicates of known state. */
  repeats = 0;

  constructor(initial: TrackedAlert[] = []) {
    for (const a of initial) this.alerts[a.fingerprint] = { ...a };
  }

  /** Applies a notice; returns its effect. Stale and repeated notices change nothing but a count. */
  apply(n: AlertNotice): NoticeEffect {
    const known = this.alerts[n.fingerprint];
    const effect = judgeNotice(known, n);
    if (effect === 'stale') this.stale += 1;
    else if (effect === 'repeat') this.repeats += 1;
    else {
      this.alerts[n.fingerprint] = {
        fingerprint: n.fingerprint,
        status: n.status,
        startsAt: n.startsAt,
        generation: generationOf(n.startsAt),
        endsAt: n.status === 'resolved' ? n.endsAt : undefined,
      };
    }
    return effect;
  }

  get size(): number {
    return Object.keys(this.alerts).length;
  }

  /** True when at least one alert is attached and every attached alert is resolved. */
  get allResolved(): boolean {
    const all = Object.values(this.alerts);
    return all.length > 0 && all.every((a) => a.status === 'resolved');
  }

  get firing(): TrackedAlert[] {
    return Object.values(this.alerts).filter((a) => a.status === 'firing');
  }

  list(): TrackedAlert[] {
    return Object.values(this.alerts);
  }
}
