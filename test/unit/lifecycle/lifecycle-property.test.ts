// Property tests of the incident lifecycle (issue 10, build item 7): any interleaving, duplication
// and reordering of firing and resolved deliveries for K faults, HA pairs and group flushes
// included, leaves the pure lifecycle machine in the state the reference model gives: one open
// episode per fault while any of its alerts fires, resolved exactly when all are, a new episode
// each time the fault comes back.
import fc from 'fast-check';
import { AlertSet, judgeNotice } from '../../../shared/lifecycle/alert-set';
import { decideFiring } from '../../../shared/lifecycle/closed-memory';
import { LifecycleMachine } from '../../../shared/lifecycle/lifecycle-machine';
import { ReferenceModel, deliveriesArb, noticeOf } from '../../support/lifecycle-model';

const HOUR = 3_600_000;

describe('lifecycle machine against the reference model', () => {
  it('matches the model after every delivery (5,000 random streams)', () => {
    fc.assert(
      fc.property(deliveriesArb({ faults: 3, fps: 3, gens: 3, maxLength: 12 }), (deliveries) => {
        const machine = new LifecycleMachine({ cooldownMs: HOUR });
        const model = new ReferenceModel();
        let now = 0;
        for (const group of deliveries) {
          now += 1_000;
          machine.deliverGroup(
            group.map((n) => ({ key: `k${n.fault}`, notice: n })),
            now,
          );
          for (const n of group) model.apply(n);
          model.endGroup([0, 1, 2]);
          for (let f = 0; f < 3; f++) {
            const open = machine.openEpisode(`k${f}`);
            expect(open !== undefined).toBe(model.firing(f));
            if (open) expect(open.alerts.allResolved).toBe(false);
            expect(machine.episodes(`k${f}`).length).toBe(model.episodes.get(f) ?? 0);
            expect(
              machine.episodes(`k${f}`).filter((e) => e.closedAt === undefined).length,
            ).toBeLessThanOrEqual(1);
          }
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('an episode is resolved exactly when every attached alert is (3,000 runs)', () => {
    fc.assert(
      fc.property(deliveriesArb({ faults: 1, fps: 4, gens: 4, maxLength: 15 }), (deliveries) => {
        const set = new AlertSet();
        const model = new ReferenceModel();
        for (const n of deliveries.flat()) {
          set.apply(n);
          model.apply(n);
          expect(set.size > 0 && set.allResolved).toBe(set.size > 0 && !model.firing(0));
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('the same firing re-delivered after close starts nothing inside the cooldown, and does after it', () => {
    const machine = new LifecycleMachine({ cooldownMs: HOUR });
    const fire = noticeOf(0, 0, 1, 'firing');
    expect(machine.deliver('k', fire, 0).action).toBe('started');
    expect(machine.deliver('k', noticeOf(0, 0, 1, 'resolved'), 1_000).action).toBe('resolved');
    const again = machine.deliver('k', fire, 2_000);
    expect(again.action).toBe('ignored');
    expect(again.reason).toMatch(/re-delivered firing/);
    expect(machine.deliver('k', fire, HOUR + 2_000).action).toBe('started');
    expect(machine.episodes('k').map((e) => e.ordinal)).toEqual([1, 2]);
  });
});

describe('per-alert rules (the "What was found" inputs 1 and 2, pure)', () => {
  it('an old resolved delivered again after a new firing is stale, and counted', () => {
    const set = new AlertSet();
    set.apply(noticeOf(0, 0, 2, 'firing'));
    expect(set.apply(noticeOf(0, 0, 1, 'resolved'))).toBe('stale');
    expect(set.stale).toBe(1);
    expect(set.allResolved).toBe(false);
  });

  it('one alert of a group resolving leaves the incident open', () => {
    const set = new AlertSet();
    set.apply(noticeOf(0, 0, 1, 'firing'));
    set.apply(noticeOf(0, 1, 1, 'firing'));
    set.apply(noticeOf(0, 0, 1, 'resolved'));
    expect(set.allResolved).toBe(false);
    set.apply(noticeOf(0, 1, 1, 'resolved'));
    expect(set.allResolved).toBe(true);
  });

  it('a later firing clears a resolution; a resolved whose endsAt precedes the known firing is stale', () => {
    const known = { fingerprint: 'a', status: 'resolved' as const, startsAt: 'x', generation: 1000 };
    expect(
      judgeNotice(known, { fingerprint: 'a', status: 'firing', startsAt: new Date(2000).toISOString() }),
    ).toBe('refired');
    const firing = { ...known, status: 'firing' as const };
    expect(
      judgeNotice(firing, {
        fingerprint: 'a',
        status: 'resolved',
        startsAt: new Date(1000).toISOString(),
        endsAt: new Date(500).toISOString(),
      }),
    ).toBe('stale');
  });

  it('an empty set (manual trigger) never counts as resolved', () => {
    expect(new AlertSet().allResolved).toBe(false);
  });

  it('a stale firing older than a closed generation is ignored', () => {
    const d = decideFiring(
      [
        {
          fingerprint: 'f0p0',
          generation: Date.parse(noticeOf(0, 0, 3, 'firing').startsAt),
          status: 'resolved',
          closedAt: 0,
        },
      ],
      noticeOf(0, 0, 2, 'firing'),
      10,
      HOUR,
    );
    expect(d).toMatchObject({ action: 'ignored', reason: expect.stringMatching(/stale firing/) });
  });
});
