import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY_MS, isDateType, isoDay, parseIsoDay, passesRetentionAt, retentionCutoff } from './retention-policy.js';

describe('retention days', () => {
  it('keeps `days` whole UTC days before today, whatever the time of day', () => {
    for (const time of ['00:00:00', '12:34:56', '23:59:59.999']) {
      assert.equal(isoDay(retentionCutoff(Date.parse(`2026-06-30T${time}Z`), 90)), '2026-04-01');
    }
  });

  it('puts the deadline on the day the cutoff first passes the oldest day', () => {
    const oldest = parseIsoDay('2026-04-01');
    const deadline = passesRetentionAt(oldest, 90);
    assert.equal(isoDay(deadline), '2026-07-01');
    // The day before the deadline production still keeps that day; on the deadline it purges it.
    assert.ok(retentionCutoff(deadline - 1, 90) <= oldest);
    assert.ok(retentionCutoff(deadline, 90) > oldest);
    assert.equal(passesRetentionAt(oldest + 10 * 3_600_000, 90), deadline, 'a timestamp counts as its day');
    assert.equal(deadline - oldest, 91 * DAY_MS);
  });

  it('reads dates and recognises date columns', () => {
    assert.equal(parseIsoDay('2026-02-28'), Date.parse('2026-02-28T00:00:00Z'));
    assert.throws(() => parseIsoDay('yesterday'), /cannot read "yesterday" as a date/);
    assert.deepEqual(
      ['DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_NS', 'VARCHAR', 'BIGINT', 'DATETIME'].map(isDateType),
      [true, true, true, true, false, false, false],
    );
  });
});
