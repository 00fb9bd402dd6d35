import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isMayflyError } from '../core/errors.js';
import { generateLanding } from './landing-generator.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mayfly-landing-gen-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function csv(dir: string, path: string): string[][] {
  return readFileSync(join(dir, path), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
}

describe('landing generator', () => {
  it('writes the same files for the same seed, and day N the same whatever range is generated', async () => {
    const a = tempDir();
    const b = tempDir();
    const whole = await generateLanding({ dir: a, days: 4, scale: 0.5, seed: 7 });
    assert.equal(whole.files.length, 12);
    await generateLanding({ dir: b, days: 2, scale: 0.5, seed: 7 });
    const later = await generateLanding({ dir: b, days: 4, scale: 0.5, seed: 7, onlyFrom: '2024-01-03' });
    const days = ['2024-01-03', '2024-01-04'];
    assert.deepEqual(later.files.map((f) => f.path), days.flatMap((d) => [`source_a/customers/${d}.csv`, `source_a/orders/${d}.csv`, `source_b/payments/${d}.jsonl`]));
    for (const f of whole.files) assert.equal(readFileSync(join(b, f.path), 'utf8'), readFileSync(join(a, f.path), 'utf8'), f.path);
    const other = tempDir();
    await generateLanding({ dir: other, days: 1, scale: 0.5, seed: 8 });
    assert.notEqual(readFileSync(join(other, 'source_a/orders/2024-01-01.csv'), 'utf8'), readFileSync(join(a, 'source_a/orders/2024-01-01.csv'), 'utf8'));
  });

  it('leaves identical files untouched and makes keys join: orders to customers, payments to orders', async () => {
    const dir = tempDir();
    await generateLanding({ dir, days: 3, scale: 1 });
    const before = statSync(join(dir, 'source_a/orders/2024-01-02.csv')).mtimeMs;
    const again = await generateLanding({ dir, days: 3, scale: 1 });
    assert.ok(again.files.every((f) => !f.written));
    assert.equal(statSync(join(dir, 'source_a/orders/2024-01-02.csv')).mtimeMs, before);
    const customers = new Set(['01', '02', '03'].flatMap((d) => csv(dir, `source_a/customers/2024-01-${d}.csv`).map((r) => r[0])));
    const orders = ['01', '02', '03'].flatMap((d) => csv(dir, `source_a/orders/2024-01-${d}.csv`));
    assert.equal(orders.length, 300);
    assert.ok(orders.every((o) => customers.has(o[1])), 'every order refers to a customer that landed');
    const orderIds = new Set(orders.filter((o) => o[4] !== 'cancelled').map((o) => Number(o[0])));
    const payments = readFileSync(join(dir, 'source_b/payments/2024-01-02.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { order_id: number; load_date: string });
    assert.ok(payments.length > 50);
    assert.ok(payments.every((p) => orderIds.has(p.order_id) && p.load_date === '2024-01-02'));
  });

  it('breaks the asked number of rows per file, and refuses bad options before writing', async () => {
    const dir = tempDir();
    await generateLanding({ dir, days: 1, scale: 1, badRows: 2 });
    assert.equal(csv(dir, 'source_a/orders/2024-01-01.csv').filter((r) => r[3] === 'n/a').length, 2);
    const lines = readFileSync(join(dir, 'source_b/payments/2024-01-01.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.filter((l) => !l.endsWith('}')).length, 2);
    for (const options of [{ days: 0 }, { days: 1, scale: 0 }, { days: 1, from: '2024-13-01' }, { days: 2, onlyFrom: '2024-02-01' }]) {
      await assert.rejects(generateLanding({ dir: tempDir(), scale: 1, ...options }), (e: unknown) => isMayflyError(e) && e.kind === 'invalid');
    }
  });
});
