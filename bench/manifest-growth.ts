/**
 * Commit cost against the size of the table it touches: a one-row INSERT
 * (through a session, the way the CLI runs it) into a table of 1, 100, 1k and
 * 10k files, timed, with the catalog bytes (metadata, commit and ref-log rows)
 * each commit added. Goal of issue 9: flat within 2× from 1 to 10k files.
 *
 *   node dist/bench/manifest-growth.js [files…]
 *
 * The table's files are one real Parquet file hard-linked under fabricated
 * content keys (the INSERT never reads them), so building a 10k-file table
 * takes a second, not 10k statements. Uses only APIs that existed before
 * manifests, so the same script measures the build before them.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { createMayfly } from '../src/index.js';
import type { TableVersion } from '../src/catalog/model.js';
import { commitTree } from '../src/warehouse/committer.js';

/** One row of the growth curve. */
export interface ManifestGrowthRow {
  readonly files: number;
  /** Median wall time of a one-row INSERT statement (ms). */
  readonly insertMs: number;
  /** Median catalog bytes one such commit added. */
  readonly bytesPerCommit: number;
}

const INSERTS = 15;

/** Measures one-row INSERTs into tables of each size in `sizes`. */
export async function measureManifestGrowth(sizes: readonly number[] = [1, 100, 1_000, 10_000]): Promise<ManifestGrowthRow[]> {
  const out: ManifestGrowthRow[] = [];
  for (const files of sizes) out.push(await measureOne(files));
  return out;
}

async function measureOne(files: number): Promise<ManifestGrowthRow> {
  const home = mkdtempSync(join(tmpdir(), 'mayfly-growth-'));
  const mayfly = createMayfly({ home, settings: { production: 'prod', threads: 1, memoryLimit: '512MB' } });
  try {
    const w = mayfly.warehouse;
    w.init();
    const session = await w.session('prod');
    try {
      await session.run('CREATE TABLE t (id BIGINT, v VARCHAR)');
      await session.run("INSERT INTO t VALUES (0, 'seed')");
      growTable(w, files);
      await session.run("INSERT INTO t VALUES (1, 'warm')");
      const catalog = new Database(join(home, 'catalog.sqlite'), { readonly: true });
      // Binary manifest chunks (manifest:v2) have their own table; a build before them has none.
      const hasChunks = catalog.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'chunks'").get() !== undefined;
      const chunkBytes = hasChunks ? '(SELECT coalesce(sum(length(id) + length(body)), 0) FROM chunks)' : '0';
      const bytes = (): number =>
        Number(
          (
            catalog
              .prepare(
                `SELECT (SELECT coalesce(sum(length(id) + length(kind) + length(body)), 0) FROM metadata)
                      + (SELECT coalesce(sum(length(id) + length(coalesce(parent, '')) + length(tree) + 8 + length(message)), 0) FROM commits)
                      + (SELECT coalesce(sum(length(name) + length(coalesce(commit_id, '')) + 16 + length(reason)), 0) FROM reflog)
                      + ${chunkBytes} AS n`,
              )
              .get() as { n: number }
          ).n,
        );
      const ms: number[] = [];
      const added: number[] = [];
      try {
        for (let i = 0; i < INSERTS; i++) {
          const before = bytes();
          const t0 = performance.now();
          await session.run(`INSERT INTO t VALUES (${i + 2}, 'row')`);
          ms.push(performance.now() - t0);
          added.push(bytes() - before);
        }
      } finally {
        catalog.close();
      }
      return { files, insertMs: median(ms), bytesPerCommit: median(added) };
    } finally {
      await session.close();
    }
  } finally {
    mayfly.close();
    rmSync(home, { recursive: true, force: true });
  }
}

/** Makes table prod.main.t hold `files` files: its one real file, and links to it under fabricated keys. */
function growTable(w: ReturnType<typeof createMayfly>['warehouse'], files: number): void {
  const ref = w.catalog.getRef('prod');
  if (!ref) throw new Error('no prod');
  const tree = w.tree(ref.commitId);
  const obj = tree.object('main', 't');
  if (obj?.kind !== 'table') throw new Error('no table t');
  const real = obj.version.files[0];
  if (!real) throw new Error('table t has no file');
  let source = w.store.localPath(real.key);
  const fakes = Array.from({ length: files - 1 }, (_, i) => {
    const key = `${createHash('sha256').update(`growth ${i}`).digest('hex')}.parquet`;
    const path = w.store.localPath(key);
    mkdirSync(dirname(path), { recursive: true });
    try {
      linkSync(source, path);
    } catch (e) {
      // A file system caps links per file (65,000 on ext4): continue from a copy.
      if ((e as { code?: unknown }).code !== 'EMLINK') throw e;
      copyFileSync(source, path);
      source = path;
    }
    return { ...real, key };
  });
  const version: TableVersion = { ...obj.version, files: [real, ...fakes] };
  tree.setTable('main', 't', version);
  commitTree(w, 'prod', ref.commitId, tree, 'grow t');
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number);
  const rows = await measureManifestGrowth(sizes.length ? sizes : undefined);
  console.log('files\tINSERT ms (p50)\tcatalog bytes/commit (p50)');
  for (const r of rows) console.log(`${r.files}\t${r.insertMs.toFixed(1)}\t${r.bytesPerCommit}`);
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (first && last) console.log(`ratio ${last.files}/${first.files} files: time ${(last.insertMs / first.insertMs).toFixed(2)}×, bytes ${(last.bytesPerCommit / first.bytesPerCommit).toFixed(2)}×`);
}
