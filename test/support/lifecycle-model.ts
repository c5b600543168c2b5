// The reference model of the incident lifecycle, small enough to be obviously right: per fault,
// per fingerprint, the newest alert generation seen and whether that generation resolved. A fault
// is firing while any of its fingerprints' newest generation is unresolved; there is one open
// episode per fault exactly while it fires, and a new episode each time it goes from quiet to
// firing. Generators for deliveries (K faults, several fingerprints each, a few generations, HA
// duplicates, group flushes) are shared by the pure property test and the real-stack sample.
import fc from 'fast-check';
import { type AlertNotice } from '../../shared/lifecycle/alert-set';

export interface ModelNotice extends AlertNotice {
  fault: number;
}

const BASE = Date.parse('2026-03-01T00:00:00Z');

/** The notice for fault f, fingerprint p, generation g (minutes after a fixed base). */
export function noticeOf(
  fault: number,
  fp: number,
  gen: number,
  status: 'firing' | 'resolved',
  tag = 'f',
): ModelNotice {
  const startsAt = new Date(BASE + gen * 60_000).toISOString();
  return {
    fault,
    fingerprint: `${tag}${fault}p${fp}`,
    status,
    startsAt,
    endsAt:
      status === 'resolved' ? new Date(BASE + gen * 60_000 + 30_000).toISOString() : '0001-01-01T00:00:00Z',
  };
}

export class ReferenceModel {
  private readonly fps = new Map<string, { gen: number; resolved: boolean; fault: number }>();
  readonly episodes = new Map<number, number>();
  private readonly wasFiring = new Map<number, boolean>();

  apply(n: ModelNotice): void {
    const g = Date.parse(n.startsAt);
    const known = this.fps.get(n.fingerprint);
    const resolved = n.status === 'resolved';
    if (!known || g > known.gen) this.fps.set(n.fingerprint, { gen: g, resolved, fault: n.fault });
    else if (g === known.gen && resolved) known.resolved = true;
  }

  /**
   * The end of one notification: a fault that went from quiet to firing opened an episode. (Within
   * one group the intake sends firings before resolutions, so a group never closes and reopens.)
   */
  endGroup(faults: number[]): void {
    for (const f of faults) {
      const now = this.firing(f);
      if (now && !this.wasFiring.get(f)) this.episodes.set(f, (this.episodes.get(f) ?? 0) + 1);
      this.wasFiring.set(f, now);
    }
  }

  firing(fault: number): boolean {
    for (const v of this.fps.values()) if (v.fault === fault && !v.resolved) return true;
    return false;
  }
}

/** Deliveries: groups (Alertmanager flushes) of notices, with HA duplicates, in any order. */
export function deliveriesArb(opts: { faults: number; fps: number; gens: number; maxLength: number }) {
  const member = fc.record({
    fp: fc.integer({ min: 0, max: opts.fps - 1 }),
    gen: fc.integer({ min: 1, max: opts.gens }),
    status: fc.constantFrom('firing' as const, 'resolved' as const),
  });
  // A group holds alerts of one fault (one Alertmanager group), each fingerprint at most once.
  const group = fc
    .record({
      fault: fc.integer({ min: 0, max: opts.faults - 1 }),
      members: fc.uniqueArray(member, { minLength: 1, maxLength: 3, selector: (m) => m.fp }),
    })
    .map(({ fault, members }) => members.map((m) => noticeOf(fault, m.fp, m.gen, m.status)));
  // HA pairs: a flush may be delivered twice; the shuffle moves the copy anywhere in the stream.
  return fc
    .array(fc.tuple(group, fc.boolean()), { minLength: 1, maxLength: opts.maxLength })
    .chain((groups) => {
      const flat = groups.flatMap(([g, dup]) => (dup ? [g, g] : [g]));
      return fc.shuffledSubarray(flat, { minLength: flat.length, maxLength: flat.length });
    });
}

/** The intake's order inside one delivery: per fault, firings before resolutions. */
export function intakeOrder(group: ModelNotice[]): ModelNotice[] {
  return [...group].sort((a, b) => (a.status === b.status ? 0 : a.status === 'firing' ? -1 : 1));
}
