import type { Cell } from '../index.js';
import { formatBytes, formatDuration } from '../core/duration.js';

export { formatBytes, formatDuration };

/** A writable text stream; `isTTY` tells whether a person is watching. */
export type TextStream = NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };

/** A table column: its header and how its cells align. */
export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

/** Widest cell a text table shows before it truncates with `…`. */
export const MAX_CELL_WIDTH = 40;

/**
 * Where a command writes: results on stdout (text, or JSON with `--json`),
 * diagnostics and progress on stderr.
 */
export class Output {
  constructor(
    /** Whether `--json` was given: stdout then holds exactly one JSON document. */
    readonly json: boolean,
    readonly stdout: TextStream,
    readonly stderr: TextStream,
  ) {}

  /** Writes a line of text to stdout. */
  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  /** Writes a value as indented JSON to stdout. */
  printJson(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Writes a line to stderr. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** Whether live progress may be drawn: stderr is a terminal and stdout is not JSON. */
  get showsProgress(): boolean {
    return !this.json && this.stderr.isTTY === true;
  }
}

/** Lays out rows as an aligned text table with a header and a rule. */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (text: string, i: number): string => {
    const w = widths[i] ?? 0;
    return columns[i]?.align === 'right' ? text.padStart(w) : text.padEnd(w);
  };
  const lines = [
    columns.map((c, i) => pad(c.header, i)).join('  '),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map((r) => columns.map((_, i) => pad(r[i] ?? '', i)).join('  ')),
  ];
  return lines.map((l) => l.trimEnd()).join('\n');
}

/** Lays out label/value pairs, values aligned. */
export function formatFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`).join('\n');
}

/** One query cell as text: NULL, JSON for nested values, control characters escaped, long values cut. */
export function formatCell(cell: Cell, max = MAX_CELL_WIDTH): string {
  const text = cell === null ? 'NULL' : typeof cell === 'object' ? JSON.stringify(cell) : String(cell);
  const flat = text.replace(/[\n\r\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A count with thousands separators: `200,000` (what `toLocaleString('en-US')` writes). */
export function formatCount(n: number): string {
  // Whole numbers by hand: toLocaleString loads ICU, tens of milliseconds of every command's start-up.
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US');
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `1 row`, `3 rows`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** A point in time, local, to the second: `2026-03-01 14:05:09`. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** ` in 3.20 ms`: the suffix mutating commands end their report with. */
export function inElapsed(ms: number): string {
  return ` in ${formatDuration(ms)}`;
}
