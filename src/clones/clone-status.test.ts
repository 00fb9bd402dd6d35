import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClonePolicy } from './clone-policy.js';
import type { CloneRecord } from './clone-record.js';
import { cloneStatus } from './clone-status.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);

const policy: ClonePolicy = {
  kind: 'squad',
  defaultTtlMs: 14 * DAY,
  maxTtlMs: 30 * DAY,
  maxActive: 3,
  idleExpiryMs: 7 * DAY,
  warningLeadMs: 2 * DAY,
  atExpiry: 'destroy',
  beforeRetentionDeadline: 'refresh',
  retentionLeadMs: DAY,
};

function record(change: Partial<CloneRecord> = {}): CloneRecord {
  return {
    name: 'squad_c_x',
    scope: 'squad:c',
    scopeKind: 'squad',
    owner: 'ann',
    purpose: '',
    source: 'prod',
    takenAt: T0,
    createdAt: T0,
    expiresAt: T0 + 14 * DAY,
    lastActivityAt: T0,
    refreshedAt: null,
    state: 'active',
    pinnedUntil: null,
    destroyedAt: null,
    schemas: null,
    ttlMs: 14 * DAY,
    refreshes: 0,
    warned: { expiresAt: null, retentionDeadline: null },
    destroyReason: null,
    updatedAt: T0,
    ...change,
  };
}

describe('clone status', () => {
  it('is active, then expiring within the warning lead, then expired at the earlier of TTL and idle limit', () => {
    const used = record({ lastActivityAt: T0 + 10 * DAY });
    assert.equal(cloneStatus(used, policy, T0 + DAY).state, 'active');
    assert.equal(cloneStatus(used, policy, T0 + 12 * DAY).state, 'expiring');
    assert.equal(cloneStatus(used, policy, T0 + 14 * DAY).state, 'expired');
    assert.equal(cloneStatus(used, policy, T0 + 14 * DAY).dueReason, 'ttl');
    const idle = cloneStatus(record(), policy, T0 + 7 * DAY);
    assert.deepEqual([idle.state, idle.dueReason, idle.dueAt], ['expired', 'idle', T0 + 7 * DAY]);
  });

  it('counts idle time from the last refresh when there was no activity since', () => {
    const s = cloneStatus(record({ refreshedAt: T0 + 5 * DAY }), policy, T0 + 8 * DAY);
    assert.equal(s.idleExpiresAt, T0 + 12 * DAY);
    assert.equal(s.state, 'active');
  });

  it('defers expiry to the end of a lease, and no further', () => {
    const pinned = record({ pinnedUntil: T0 + 20 * DAY, lastActivityAt: T0 + 13 * DAY });
    const during = cloneStatus(pinned, policy, T0 + 15 * DAY);
    assert.deepEqual([during.state, during.pinned, during.dueAt], ['active', true, T0 + 20 * DAY]);
    assert.equal(cloneStatus(pinned, policy, T0 + 20 * DAY).state, 'expired');
    // A lease ending before the TTL changes nothing.
    assert.equal(cloneStatus(record({ pinnedUntil: T0 + DAY, lastActivityAt: T0 + 10 * DAY }), policy, T0 + 5 * DAY).dueAt, T0 + 14 * DAY);
  });

  it('has no idle limit when the policy says never, and no due date once destroyed', () => {
    assert.equal(cloneStatus(record(), { ...policy, idleExpiryMs: null }, T0 + 10 * DAY).state, 'active');
    const gone = cloneStatus(record({ state: 'destroyed', destroyedAt: T0 + DAY }), policy, T0 + 2 * DAY);
    assert.deepEqual([gone.state, gone.dueAt, gone.msLeft], ['destroyed', null, null]);
  });
});
