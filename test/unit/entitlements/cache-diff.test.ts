// The compare-and-repair rules, one case per kind of drift.
import { judgeOrg, type AuthoritativeOrg, type CachedOrg } from '../../../activities/entitlements/cache-diff';

const db = (over: Partial<AuthoritativeOrg> = {}): AuthoritativeOrg => ({
  orgId: 'o1',
  exists: true,
  status: 'active',
  entitlements: { seats: '5' },
  members: { u1: 'owner', u2: 'member' },
  ...over,
});
const cache = (over: Partial<CachedOrg> = {}): CachedOrg => ({
  entitlements: { seats: '5' },
  entitlementsTtl: 100,
  members: { u1: 'owner', u2: 'member' },
  doNotCache: false,
  ...over,
});

test('an equal cache with a TTL is left alone and gets no event', () => {
  const v = judgeOrg(db(), cache());
  expect(v.entitlements).toEqual({ action: 'none' });
  expect(v.memberships).toEqual({ action: 'none' });
  expect(v.entitlementsChanged).toBe(false);
});

test('drifted, missing and extra entitlement caches are rewritten or deleted, with an event', () => {
  expect(judgeOrg(db(), cache({ entitlements: { seats: '9' } })).entitlements).toEqual({
    action: 'write',
    value: { seats: '5' },
  });
  expect(judgeOrg(db(), cache({ entitlements: {}, entitlementsTtl: -2 })).counts.missing).toBe(1);
  const extra = judgeOrg(db({ entitlements: {} }), cache());
  expect(extra.entitlements).toEqual({ action: 'delete' });
  expect(extra.entitlementsChanged).toBe(true);
  expect(judgeOrg(db(), cache({ entitlements: { seats: '5', extra: '1' } })).counts.drifted).toBe(1);
});

test('a cache without TTL gets one, without an event', () => {
  const v = judgeOrg(db(), cache({ entitlementsTtl: -1 }));
  expect(v.entitlements).toEqual({ action: 'expire' });
  expect(v.entitlementsChanged).toBe(false);
});

test('a removed member is invalidated at once; a deleted or unknown org loses every cache', () => {
  const v = judgeOrg(db({ members: { u1: 'owner' } }), cache());
  expect(v.memberships).toEqual({ action: 'remove', users: ['u2'] });
  expect(v.counts.removedMembers).toBe(1);
  const gone = judgeOrg(db({ exists: false, status: null }), cache());
  expect(gone.entitlements).toEqual({ action: 'delete' });
  expect(gone.memberships).toEqual({ action: 'delete' });
  expect(judgeOrg(db({ status: 'deleted' }), cache()).entitlements).toEqual({ action: 'delete' });
});

test('a key on the do-not-cache list is never refilled, only removed', () => {
  expect(judgeOrg(db(), cache({ entitlements: {}, doNotCache: true })).entitlements).toEqual({
    action: 'none',
  });
  expect(judgeOrg(db(), cache({ doNotCache: true })).entitlements).toEqual({ action: 'delete' });
});
