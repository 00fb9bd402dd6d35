import type { Session, Warehouse } from '../src/index.js';
import type { BenchScale } from './bench-scale.js';
import { median, progress, summarize, timed, type Stats } from './bench-util.js';
import type { BenchWarehouse } from './bench-warehouses.js';
import { figure, type Figure } from './report.js';
import { databaseFiles } from './warehouse-loader.js';

/** One measured one-row UPDATE. */
export interface UpdateSample {
  readonly id: number;
  readonly ms: number;
  readonly rowsAffected: number;
  /** Objects that appeared in the store during the statement. */
  readonly newObjects: number;
  readonly newObjectBytes: number;
  /** Files the clone's table version gained (should be the same objects). */
  readonly newReferencedFiles: number;
}

/** The one-row UPDATE figures. */
export interface RowUpdate {
  readonly rows: number;
  readonly updates: readonly UpdateSample[];
  readonly update: Stats;
  /** `SELECT sum(amount)` over the table before the updates, and after (with their delete vectors). */
  readonly scanMs: number;
  readonly scanAfterMs: number;
  readonly figures: readonly Figure[];
}

/** In a fresh clone, updates one row at a time and measures what each writes, against a full scan. */
export async function measureRowUpdate(wh: BenchWarehouse, scale: BenchScale): Promise<RowUpdate> {
  const w = wh.mayfly.warehouse;
  const db = 'bench_update';
  w.cloneDatabase(db, 'prod');
  const session = await w.session(db);
  try {
    const scan = async (): Promise<number> => {
      await session.run('SELECT sum(amount) AS s FROM events');
      const ms: number[] = [];
      for (let i = 0; i < scale.queryRuns; i++) ms.push((await timed(() => session.run('SELECT sum(amount) AS s FROM events'))).ms);
      return median(ms);
    };
    progress('update: full scan');
    const scanMs = await scan();
    const rows = scale.large.files * scale.large.rowsPerFile;
    const updates: UpdateSample[] = [];
    for (let k = 0; k < scale.updates; k++) {
      const id = Math.floor((rows * (k + 1)) / (scale.updates + 1)) + 17;
      progress(`update: one row, id ${id}`);
      updates.push(await updateOne(w, session, db, id));
    }
    const scanAfterMs = await scan();
    const update = summarize(updates.map((u) => u.ms));
    const maxBytes = Math.max(...updates.map((u) => u.newObjectBytes));
    const figures = [
      figure('one-row UPDATE: bytes written (max)', maxBytes / 1024, 'KB', { op: '<=', value: 64 }),
      figure('one-row UPDATE: time p50', update.p50, 'ms'),
      figure('one-row UPDATE / full scan (sum(amount))', update.p50 / scanMs, '×'),
      figure(`full scan after ${updates.length} one-row UPDATEs / before`, scanAfterMs / scanMs, '×'),
    ];
    return { rows: scale.large.files * scale.large.rowsPerFile, updates, update, scanMs, scanAfterMs, figures };
  } finally {
    session.close();
    w.dropDatabase(db);
  }
}

async function updateOne(w: Warehouse, session: Session, db: string, id: number): Promise<UpdateSample> {
  const before = await objectSizes(w);
  const referenced = databaseFiles(w, db);
  const t = await timed(() => session.run(`UPDATE events SET amount = amount + 1 WHERE id = ${id}`));
  const after = await objectSizes(w);
  let newObjects = 0;
  let newObjectBytes = 0;
  for (const [key, bytes] of after) {
    if (before.has(key)) continue;
    newObjects++;
    newObjectBytes += bytes;
  }
  const r = t.value[0];
  const newReferencedFiles = [...databaseFiles(w, db).keys()].filter((k) => !referenced.has(k)).length;
  return { id, ms: t.ms, rowsAffected: r?.kind === 'done' ? (r.rowsAffected ?? 0) : 0, newObjects, newObjectBytes, newReferencedFiles };
}

/** Every object in the store with its size. */
export async function objectSizes(w: Warehouse): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const o of w.store.list()) out.set(o.key, o.bytes);
  return out;
}
