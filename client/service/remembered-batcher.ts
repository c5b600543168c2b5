// Coalesces the closed-episode lookups of notifications that arrive together. In an alert storm
// every notification needs the remembered alerts of its firings (alert-intake.ts); one query per
// notification cost each one a database round trip, and on the measured machine the socket writes
// of those queries were the API's largest single CPU cost. Lookups made within WINDOW_MS of the
// first one (up to MAX_PAIRS pairs) now share one query; each caller still gets only its pairs.
// Notifications of a storm arrive one per event-loop turn, so a turn alone coalesced almost none
// (951 queries for 1,000 notifications); the window costs each notification at most WINDOW_MS.
import { type ClosedAlert } from '../../shared/lifecycle/closed-memory';

/** A pair the intake looks up: the incident and the alert's fingerprint. */
export interface RememberedPair {
  incidentId: string;
  fingerprint: string;
}

/** The underlying lookup: remembered alerts by `${incidentId}\n${fingerprint}`. */
export type RememberedQuery = (
  pairs: RememberedPair[],
  maxAgeMs: number,
) => Promise<Map<string, ClosedAlert[]>>;

/** How long (ms) a lookup waits for others to share its query. */
export const WINDOW_MS = 4;

/** Most pairs one shared query carries; more start another query. */
export const MAX_PAIRS = 1_000;

interface Waiter {
  pairs: RememberedPair[];
  resolve: (m: Map<string, ClosedAlert[]>) => void;
  reject: (err: unknown) => void;
}

/**
 * Returns a lookup with the signature of `query` that batches calls made within `windowMs` (ms)
 * of the first (and with the same `maxAgeMs`) into one call of `query`. A failed query rejects
 * every caller of its batch with the same error.
 */
export function coalescedRememberedLookup(query: RememberedQuery, windowMs = WINDOW_MS): RememberedQuery {
  const pending = new Map<number, { waiters: Waiter[]; size: number; timer: NodeJS.Timeout }>();
  const flush = (maxAgeMs: number) => {
    const batch = pending.get(maxAgeMs);
    if (!batch) return;
    pending.delete(maxAgeMs);
    clearTimeout(batch.timer);
    const seen = new Set<string>();
    const pairs: RememberedPair[] = [];
    for (const w of batch.waiters) {
      for (const p of w.pairs) {
        const key = `${p.incidentId}\n${p.fingerprint}`;
        if (!seen.has(key)) {
          seen.add(key);
          pairs.push(p);
        }
      }
    }
    query(pairs, maxAgeMs).then(
      (all) => {
        for (const w of batch.waiters) {
          const mine = new Map<string, ClosedAlert[]>();
          for (const p of w.pairs) {
            const key = `${p.incidentId}\n${p.fingerprint}`;
            const found = all.get(key);
            if (found) mine.set(key, found);
          }
          w.resolve(mine);
        }
      },
      (err: unknown) => {
        for (const w of batch.waiters) w.reject(err);
      },
    );
  };
  return (pairs, maxAgeMs) =>
    new Promise((resolve, reject) => {
      let batch = pending.get(maxAgeMs);
      if (!batch) {
        batch = { waiters: [], size: 0, timer: setTimeout(() => flush(maxAgeMs), windowMs) };
        pending.set(maxAgeMs, batch);
      }
      batch.waiters.push({ pairs, resolve, reject });
      batch.size += pairs.length;
      if (batch.size >= MAX_PAIRS) flush(maxAgeMs);
    });
}
