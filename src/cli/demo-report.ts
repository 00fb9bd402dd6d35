import type { CostLine } from '../costs/meter.js';
import type { FullCopyCost } from './full-copy.js';
import { formatBytes, formatDuration, formatTable, plural, type Output } from './output.js';

/** What `mayfly demo` did and measured; printed as text or JSON. */
export interface DemoReport {
  /** The copy of the sample project the demo ran in. */
  readonly project: string;
  readonly home: string;
  readonly landing: { readonly files: number; readonly rows: number; readonly bytes: number };
  readonly production: {
    readonly name: string;
    readonly tables: number;
    readonly rows: number;
    readonly bytes: number;
    readonly filesLoaded: number;
    readonly dagStatus: string;
    /** Whether production's commit stayed the same while the clone loaded files and ran DAG V2. */
    readonly unchanged: boolean;
  };
  readonly clone: {
    readonly name: string;
    readonly scope: string;
    readonly expiresAt: string;
    readonly createMs: number;
    readonly filesLoaded: number;
    readonly rowsLoaded: number;
    readonly dagStatus: string;
    readonly exclusiveBytes: number;
    readonly sharedBytes: number;
    readonly retentionDeadline: number | null;
    readonly costSoFar: CostLine;
  };
  readonly fullCopy: FullCopyCost;
  /** Commands to try next. */
  readonly next: readonly string[];
}

/** Prints the demo's report: what ran where, and the clone's cost next to a full copy's. */
export function printDemoReport(out: Output, r: DemoReport): void {
  const p = r.production;
  const c = r.clone;
  out.line();
  out.line(`Production ${p.name}: ${plural(p.tables, 'table')}, ${plural(p.rows, 'row')}, ${formatBytes(p.bytes)}; ${plural(p.filesLoaded, 'landing file')} loaded by its pipes; DAG V1 ${p.dagStatus}.`);
  out.line(`Clone ${c.name} (${c.scope}, expires ${c.expiresAt.slice(0, 10)}): its pipes loaded only the ${plural(c.filesLoaded, 'new file')} (${plural(c.rowsLoaded, 'row')}); DAG V2 ${c.dagStatus}.`);
  out.line(`Production ${p.unchanged ? 'was not changed by anything done in the clone' : 'CHANGED while the clone worked: this is a bug'}.`);
  out.line();
  out.line(
    formatTable(
      [{ header: '' }, { header: 'time', align: 'right' }, { header: 'bytes of its own', align: 'right' }],
      [
        [`clone ${c.name}`, formatDuration(c.createMs), formatBytes(0)],
        ['  after loading new files and running DAG V2', '', formatBytes(c.exclusiveBytes)],
        [`full copy of ${p.name} (${plural(r.fullCopy.files, 'file')})`, formatDuration(r.fullCopy.elapsedMs), formatBytes(r.fullCopy.bytes)],
      ],
    ),
  );
  out.line();
  const deadline = c.retentionDeadline === null ? 'none (no retained data)' : new Date(c.retentionDeadline).toISOString().slice(0, 10);
  out.line(`The clone shares ${formatBytes(c.sharedBytes)} with production; its retention deadline is ${deadline}; it has cost ${c.costSoFar.total.toFixed(6)} ${c.costSoFar.currency} so far.`);
  out.line();
  out.line('Try next:');
  for (const n of r.next) out.line(`  ${n}`);
}
