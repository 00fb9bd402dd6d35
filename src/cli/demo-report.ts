import type { FullCopyCost } from './full-copy.js';
import { formatBytes, formatCount, formatDuration, formatTable, plural, type Output } from './output.js';

/** What `mayfly demo` measured; printed as text or JSON. */
export interface DemoReport {
  readonly home: string;
  readonly production: { readonly name: string; readonly tables: number; readonly rows: number; readonly files: number; readonly bytes: number; readonly buildMs: number };
  /** The clone: its time, and the bytes only it holds right after cloning and after the one-row UPDATE. */
  readonly clone: { readonly name: string; readonly from: string; readonly elapsedMs: number; readonly bytesWritten: number; readonly bytesAfterUpdate: number };
  readonly update: { readonly statement: string; readonly rowsAffected: number; readonly elapsedMs: number };
  /** The changed row read in the clone and in production. */
  readonly check: {
    readonly customerId: number;
    readonly cloneSegment: string;
    readonly productionSegmentBefore: string;
    readonly productionSegment: string;
    readonly productionUnchanged: boolean;
  };
  readonly fullCopy: FullCopyCost;
  /** Commands to try next. */
  readonly next: readonly string[];
}

/** Prints the demo's report: the clone's cost next to a full copy's. */
export function printDemoReport(out: Output, r: DemoReport): void {
  const p = r.production;
  out.line();
  out.line(`Production ${p.name}: ${plural(p.tables, 'table')}, ${plural(p.rows, 'row')}, ${formatBytes(p.bytes)} in ${plural(p.files, 'file')} (built in ${formatDuration(p.buildMs)})`);
  out.line();
  const columns = [{ header: '' }, { header: 'time', align: 'right' as const }, { header: 'bytes written', align: 'right' as const }];
  out.line(
    formatTable(columns, [
      [`clone ${r.clone.name}`, formatDuration(r.clone.elapsedMs), formatBytes(r.clone.bytesWritten)],
      ['+ UPDATE of one row in the clone', formatDuration(r.update.elapsedMs), formatBytes(r.clone.bytesAfterUpdate)],
      [`full copy of ${p.name} (${formatCount(r.fullCopy.files)} files)`, formatDuration(r.fullCopy.elapsedMs), formatBytes(r.fullCopy.bytes)],
    ]),
  );
  out.line();
  const c = r.check;
  out.line(`customer ${c.customerId}'s segment: ${c.cloneSegment} in ${r.clone.name}, ${c.productionSegment} in ${p.name}${c.productionUnchanged ? ' (unchanged)' : ` (was ${c.productionSegmentBefore}: production changed!)`}`);
  if (r.fullCopy.bytes > 0) {
    const share = (r.clone.bytesAfterUpdate / r.fullCopy.bytes) * 100;
    const shown = share === 0 ? '0' : share < 0.01 ? share.toPrecision(1) : share.toFixed(2);
    out.line(`With its changed row, the clone holds ${shown}% of a full copy's bytes. A copy's time grows with the data; a clone's does not.`);
  }
  out.line();
  out.line('Try next:');
  for (const n of r.next) out.line(`  ${n}`);
}
