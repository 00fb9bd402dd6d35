import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { putCloneRecord, type CloneRecord } from '../src/clones/clone-record.js';
import { costOf } from '../src/costs/meter.js';
import { checkPeriod, costReport, parseCostGrouping } from '../src/costs/cost-report.js';
import { COMPUTE_EVENT_KIND, STORAGE_EVENT_KIND, type ComputeSample, type StorageSample } from '../src/costs/meter-events.js';
import { MONTH_MS, TB_BYTES } from '../src/costs/prices.js';
import { validateConfig, type ResolvedConfig, type Warehouse } from '../src/index.js';
import { rejectsWithCode, withSession, withWarehouse } from './helpers/warehouse.js';

const T0 = Date.parse('2026-03-02T00:00:00Z');
const HOUR = 3_600_000;
const TB = TB_BYTES;

/** 730 per TB-month is 1 per TB-hour; 3.6 per hour is 0.001 per second: figures a person can check. */
function priced(config: ResolvedConfig): ResolvedConfig {
  return { ...config, project: validateConfig({ prices: { currency: 'EUR', storagePerTbMonth: 730, computePerHour: 3.6 } }) };
}

function record(name: string, fields: Partial<CloneRecord> & Pick<CloneRecord, 'scope' | 'owner' | 'createdAt'>): CloneRecord {
  return {
    name,
    scopeKind: 'squad',
    purpose: 'test',
    source: 'prod',
    takenAt: fields.createdAt,
    expiresAt: fields.createdAt + 14 * 24 * HOUR,
    lastActivityAt: fields.createdAt,
    refreshedAt: null,
    state: 'active',
    pinnedUntil: null,
    destroyedAt: null,
    schemas: null,
    ttlMs: 14 * 24 * HOUR,
    refreshes: 0,
    warned: { expiresAt: null, retentionDeadline: null },
    destroyReason: null,
    updatedAt: fields.createdAt,
    ...fields,
  };
}

function storage(w: Warehouse, db: string, at: number, exclusive: number, logical: number, retained = 0): void {
  w.control.appendEvent(STORAGE_EVENT_KIND, db, at, { exclusive, retained, logical } satisfies StorageSample);
}

function compute(w: Warehouse, db: string, at: number, ms: number): void {
  w.control.appendEvent(COMPUTE_EVENT_KIND, db, at, { ms, statements: 1, purposes: { query: ms } } satisfies ComputeSample);
}

const close = (actual: number, expected: number, what: string): void => assert.ok(Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} ≠ ${expected}`);

describe('cost report', () => {
  it('prices storage samples as a step function and compute time, per clone, scope and owner, next to full copies', async () => {
    await withWarehouse(
      async ({ warehouse: w, mayfly, clock }) => {
        const config = priced(mayfly.config);
        // squad_a: lived 30 h; 1 TB exclusive (0.5 TB of it retained for the clone) from hour 10; 2 TB, then 3 TB logical.
        putCloneRecord(w.control, record('squad_a', { scope: 'squad:a', owner: 'ann', createdAt: T0, state: 'destroyed', destroyedAt: T0 + 30 * HOUR }));
        storage(w, 'squad_a', T0, 0, 2 * TB);
        storage(w, 'squad_a', T0 + 10 * HOUR, TB, 3 * TB, TB / 2);
        compute(w, 'squad_a', T0 + 5 * HOUR, HOUR);
        compute(w, 'squad_a', T0 + 31 * HOUR, HOUR / 2); // flushed after the destroy: still its work
        // family_b: created at hour 50, alive, 0.5 TB exclusive, 2 TB logical.
        putCloneRecord(w.control, record('family_b', { scope: 'family:b', scopeKind: 'family', owner: 'ann', createdAt: T0 + 50 * HOUR }));
        storage(w, 'family_b', T0 + 50 * HOUR, TB / 2, 2 * TB);
        // Another database's events are not a clone's.
        storage(w, 'prod', T0, 100 * TB, 100 * TB);
        clock.set(T0 + 100 * HOUR);

        // Until lies ahead of now: nothing is charged for the future.
        const report = costReport(w, config, { by: 'clone', since: T0, until: T0 + 200 * HOUR });
        assert.equal(report.until, T0 + 100 * HOUR);
        const a = report.rows.find((r) => r.group === 'squad_a');
        const b = report.rows.find((r) => r.group === 'family_b');
        assert.ok(a && b);
        close(a.storage, 20, 'squad_a storage: 1 TB × 20 h'); // 0 TB for hours 0–10, 1 TB for 10–30
        close(a.compute, 5.4, 'squad_a compute: 5,400 s');
        close(a.total, 25.4, 'squad_a total');
        close(a.fullCopy, 2 * 10 + 3 * 20 + 5.4, 'squad_a full copy: 2 TB × 10 h + 3 TB × 20 h + compute');
        close(a.storageTbMonths, (20 * HOUR) / MONTH_MS, 'squad_a TB-months');
        close(a.retainedTbMonths, (10 * HOUR) / MONTH_MS, 'squad_a retained TB-months');
        assert.deepEqual([a.scope, a.owner, a.state, a.currency], ['squad:a', 'ann', 'destroyed', 'EUR']);
        close(b.storage, 25, 'family_b storage: 0.5 TB × 50 h');
        close(b.fullCopy, 100, 'family_b full copy: 2 TB × 50 h');
        assert.deepEqual(
          report.rows.map((r) => r.group),
          ['squad_a', 'family_b'],
          'most expensive first',
        );
        close(report.totals.total, 50.4, 'total');
        close(report.totals.fullCopy, 85.4 + 100, 'total full copy');
        close(report.fullCopyRatio ?? 0, 185.4 / 50.4, 'ratio');

        const byOwner = costReport(w, config, { by: 'owner', since: T0, until: T0 + 100 * HOUR });
        assert.deepEqual(
          byOwner.rows.map((r) => [r.group, r.clones]),
          [['ann', 2]],
        );
        close(byOwner.rows[0]?.total ?? 0, 50.4, 'ann');
        const byScope = costReport(w, config, { by: 'scope', since: T0, until: T0 + 100 * HOUR });
        assert.deepEqual(
          byScope.rows.map((r) => r.group),
          ['squad:a', 'family:b'],
        );

        // A period starting mid-life opens with the last sample before it.
        const late = costReport(w, config, { by: 'clone', since: T0 + 20 * HOUR, until: T0 + 60 * HOUR });
        close(late.rows.find((r) => r.group === 'squad_a')?.storage ?? -1, 10, 'squad_a from hour 20: 1 TB × 10 h');
        close(late.rows.find((r) => r.group === 'family_b')?.storage ?? -1, 5, 'family_b to hour 60: 0.5 TB × 10 h');
        close(late.totals.compute, 1.8, 'only the compute flushed in the period');
        // A period no clone lived in.
        assert.equal(costReport(w, config, { by: 'clone', since: T0 - 10 * HOUR, until: T0 }).rows.length, 0);

        // costOf, the figure `clone show` prints, agrees with the report.
        close(costOf(w, config, 'squad_a', T0, T0 + 100 * HOUR).total, 25.4, 'costOf squad_a');
      },
      { startAt: T0 },
    );
  });

  it('keeps the history of a destroyed clone apart from a new clone of the same name', async () => {
    await withWarehouse(
      async ({ warehouse: w, mayfly, clock }) => {
        const config = priced(mayfly.config);
        const old = record('squad_x', { scope: 'squad:x', owner: 'ann', createdAt: T0, state: 'destroyed', destroyedAt: T0 + 10 * HOUR });
        w.control.putRecord('clone', `squad_x@${T0 + 10 * HOUR}`, old);
        putCloneRecord(w.control, record('squad_x', { scope: 'squad:x', owner: 'bob', createdAt: T0 + 20 * HOUR }));
        storage(w, 'squad_x', T0, TB, TB);
        compute(w, 'squad_x', T0 + 11 * HOUR, 3_600_000);
        storage(w, 'squad_x', T0 + 20 * HOUR, 2 * TB, 2 * TB);
        compute(w, 'squad_x', T0 + 25 * HOUR, 1_800_000);
        clock.set(T0 + 30 * HOUR);
        const report = costReport(w, config, { by: 'owner', since: T0, until: T0 + 30 * HOUR });
        const ann = report.rows.find((r) => r.group === 'ann');
        const bob = report.rows.find((r) => r.group === 'bob');
        close(ann?.storage ?? -1, 10, 'the old clone: 1 TB × 10 h');
        close(ann?.compute ?? -1, 3.6, 'the old clone: its late flush');
        close(bob?.storage ?? -1, 20, 'the new clone: 2 TB × 10 h, not the old one’s bytes');
        close(bob?.compute ?? -1, 1.8, 'the new clone');
      },
      { startAt: T0 },
    );
  });

  it('gives every clone the same figure in a report of many clones as costOf gives it alone', async () => {
    await withWarehouse(
      async ({ warehouse: w, mayfly, clock }) => {
        const config = priced(mayfly.config);
        for (let i = 0; i < 12; i++) {
          const name = `squad_${i}`;
          putCloneRecord(w.control, record(name, { scope: `squad:s${i % 3}`, owner: `o${i % 2}`, createdAt: T0 + i * HOUR }));
          // Samples every 10 hours, some clones silent for over a week before the period starts.
          for (let k = 0; k < 50; k++) if (i % 4 !== 0 || k < 5) storage(w, name, T0 + i * HOUR + k * 10 * HOUR, (k + 1) * i * 2 ** 30, TB);
          compute(w, name, T0 + 300 * HOUR + i, 1000 * i);
        }
        clock.set(T0 + 600 * HOUR);
        const since = T0 + 250 * HOUR;
        const report = costReport(w, config, { by: 'clone', since, until: clock.now() });
        assert.equal(report.rows.length, 12);
        for (const row of report.rows) {
          const alone = costOf(w, config, row.group, since, clock.now());
          close(row.storage, alone.storage, `${row.group} storage`);
          close(row.compute, alone.compute, `${row.group} compute`);
          close(row.fullCopy, alone.fullCopy, `${row.group} full copy`);
        }
        // squad_4 went silent at hour 44 with 5 × 4 GB: that holds for the whole period.
        close(report.rows.find((r) => r.group === 'squad_4')?.storage ?? -1, (20 / 1024) * 350, 'squad_4: 20 GB × 350 h');
      },
      { startAt: T0 },
    );
  });

  it('refuses a bad grouping or period, naming the allowed values', () => {
    assert.equal(parseCostGrouping('scope'), 'scope');
    assert.throws(() => parseCostGrouping('team'), /unknown --by "team" \(allowed: clone, scope, owner\)/);
    assert.throws(() => checkPeriod(T0, T0), /--since .* must be before --until/);
    assert.throws(() => checkPeriod(T0 + 1, T0), (e: Error & { code?: string }) => e.code === 'COST_PERIOD');
  });

  it('refuses malformed prices, naming the field and the allowed values', () => {
    assert.deepEqual(validateConfig({}).prices, { currency: 'USD', storagePerTbMonth: 23, computePerHour: 2 });
    const cases: [unknown, RegExp][] = [
      [{ currency: 'dollars' }, /prices\.currency: a three-letter currency code such as USD, EUR or GBP/],
      [{ storagePerTbMonth: -1 }, /prices\.storagePerTbMonth: a price: a number ≥ 0/],
      [{ computePerHour: 'cheap' }, /prices\.computePerHour: a price: a number ≥ 0/],
      [{ storage: 1 }, /prices: unknown key storage \(allowed: currency, storagePerTbMonth, computePerHour\)/],
    ];
    for (const [prices, message] of cases) assert.throws(() => validateConfig({ prices }), message);
  });
});

describe('meter', () => {
  it('records compute per database and samples storage of the databases that committed, only theirs', async () => {
    await withWarehouse(async ({ warehouse: w, mayfly, clock }) => {
      // createMayfly attached it; this test flushes it by hand.
      const meter = mayfly.meter;
      try {
        await withSession(w, 'prod', (s) => s.run('create table t (id bigint, d date); insert into t select range, DATE \'2026-01-01\' + range::INT from range(100)'));
        await withSession(w, 'prod', (s) => s.run('insert into t select range + 100, DATE \'2026-06-01\' from range(100)'));
        w.cloneDatabase('squad_m', 'prod');
        meter.flush();
        assert.equal(w.control.listEvents(STORAGE_EVENT_KIND, { subject: 'squad_m' }).length, 0, 'production committed, not its clone');
        assert.equal(w.control.listEvents(STORAGE_EVENT_KIND, { subject: 'prod' }).length, 1);
        clock.advance(HOUR);
        await withSession(w, 'squad_m', (s) => s.run("select count(*) from t; insert into t values (1000, DATE '2026-07-01')"));
        meter.flush();
        // An hour passed since the last flush: the meter also flushed by itself between the two statements.
        const computed = w.control.listEvents<ComputeSample>(COMPUTE_EVENT_KIND, { subject: 'squad_m' });
        assert.equal(computed.reduce((n, e) => n + e.value.statements, 0), 2);
        assert.ok(computed.every((e) => e.value.ms > 0 && e.value.purposes.query === e.value.ms));
        const sampled = w.control.listEvents<StorageSample>(STORAGE_EVENT_KIND, { subject: 'squad_m' });
        assert.equal(sampled.length, 1, 'sampled when it committed');
        assert.ok((sampled[0]?.value.logical ?? 0) > 0, 'it references all of production');
        assert.ok((sampled[0]?.value.exclusive ?? 0) > 0, 'its own insert is exclusive');
        assert.ok((sampled[0]?.value.charged ?? 0) > (sampled[0]?.value.exclusive ?? 0), 'and it is charged half of what it shares with production');
        assert.equal(sampled[0]?.value.retained, 0);

        // Production drops a file the clone still holds: production's flush samples production only; reap's sample of the clone sees it.
        clock.advance(HOUR);
        await withSession(w, 'prod', (s) => s.run("delete from t where d < DATE '2026-05-01'"));
        meter.flush();
        assert.equal(w.control.listEvents(STORAGE_EVENT_KIND, { subject: 'squad_m' }).length, 1, 'a write samples only the database it changed');
        assert.equal(meter.sample(['squad_m']), 1);
        const after = w.control.listEvents<StorageSample>(STORAGE_EVENT_KIND, { subject: 'squad_m' });
        assert.equal(after.length, 2);
        assert.ok((after[1]?.value.retained ?? 0) > 0, 'the dropped file is now retained only for the clone');
        assert.ok((after[1]?.value.exclusive ?? 0) > (after[1]?.value.retained ?? 0), 'retained bytes are part of exclusive bytes');

        // An explicit sample (what reap does) skips databases that are gone.
        w.dropDatabase('squad_m');
        clock.advance(60_000);
        meter.sample(['squad_m', 'prod']);
        assert.equal(w.control.listEvents(STORAGE_EVENT_KIND, { subject: 'squad_m' }).length, 2);
        assert.equal(w.control.listEvents(STORAGE_EVENT_KIND, { subject: 'prod', since: clock.now() }).length, 1);
      } finally {
        meter.detach();
      }
      // Detached: further activity is not metered.
      const before = w.control.listEvents(COMPUTE_EVENT_KIND).length;
      await withSession(w, 'prod', (s) => s.run('select 1'));
      meter.flush();
      assert.equal(w.control.listEvents(COMPUTE_EVENT_KIND).length, before);
    });
  });

  it('prices a database without a clone record from its creation, and refuses one that does not exist', async () => {
    await withWarehouse(
      async ({ warehouse: w, mayfly, clock }) => {
        const config = priced(mayfly.config);
        w.cloneDatabase('adhoc', 'prod');
        storage(w, 'adhoc', T0 + HOUR, TB, TB);
        clock.set(T0 + 3 * HOUR);
        close(costOf(w, config, 'adhoc', T0 - HOUR, T0 + 10 * HOUR).storage, 2, '1 TB × 2 h');
        await rejectsWithCode(() => costOf(w, config, 'nope', T0, T0 + HOUR), 'DB_NOT_FOUND');
      },
      { startAt: T0 },
    );
  });
});
