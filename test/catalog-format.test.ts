import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteCatalog } from '../src/catalog/sqlite-catalog.js';

const dir = mkdtempSync(join(tmpdir(), 'mayfly-catalog-format-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The format marker of a catalog file, read with SQLite directly. */
function formatOf(path: string): string {
  const raw = new Database(path);
  try {
    return (raw.prepare("SELECT value FROM catalog_info WHERE key = 'format'").get() as { value: string }).value;
  } finally {
    raw.close();
  }
}

function setFormat(path: string, value: string): void {
  const raw = new Database(path);
  raw.prepare("UPDATE catalog_info SET value = ? WHERE key = 'format'").run(value);
  raw.close();
}

describe('catalog format marker', () => {
  it('marks a new catalog v2, upgrades a v1 catalog it opens, and refuses any other format', () => {
    const path = join(dir, 'catalog.db');
    SqliteCatalog.open(path).close();
    assert.equal(formatOf(path), 'mayfly-catalog:v2');
    // A catalog an older build wrote opens, and is marked so that older build refuses it from now on.
    setFormat(path, 'mayfly-catalog:v1');
    SqliteCatalog.open(path).close();
    assert.equal(formatOf(path), 'mayfly-catalog:v2');
    for (const unknown of ['mayfly-catalog:v3', 'mayfly-catalog:v0', '']) {
      setFormat(path, unknown);
      assert.throws(() => SqliteCatalog.open(path), (e: Error & { code?: string }) => e.code === 'CATALOG_FORMAT' && e.message.includes(path) && /upgrade/.test(e.message), unknown);
      assert.equal(formatOf(path), unknown, 'a refused catalog is left as it was');
    }
  });
});
