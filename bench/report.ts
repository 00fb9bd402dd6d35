import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { round } from './bench-util.js';

/** The bound a figure should stay within. */
export interface Target {
  readonly op: '<=' | '>=' | '=';
  readonly value: number;
}

/** One reported figure; `target` and `pass` are null for figures reported for information. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target: Target | null;
  readonly pass: boolean | null;
}

/** A figure, judged against its target (never asserted: a miss is reported, not thrown). */
export function figure(name: string, value: number, unit: string, target?: Target): Figure {
  if (!target) return { name, value: round(value), unit, target: null, pass: null };
  const pass = Number.isFinite(value) && (target.op === '<=' ? value <= target.value : target.op === '>=' ? value >= target.value : value === target.value);
  return { name, value: round(value), unit, target, pass };
}

/** The whole result file. */
export interface BenchResults {
  readonly generatedAt: string;
  readonly quick: boolean;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly memory: number; readonly node: string; readonly platform: string };
  readonly elapsedMs: number;
  readonly figures: readonly Figure[];
  readonly details: Readonly<Record<string, unknown>>;
}

/** Assembles the result file. */
export function results(quick: boolean, elapsedMs: number, figures: readonly Figure[], details: Readonly<Record<string, unknown>>): BenchResults {
  return {
    generatedAt: new Date().toISOString(),
    quick,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memory: totalmem(), node: process.version, platform: `${process.platform}-${process.arch}` },
    elapsedMs: Math.round(elapsedMs),
    figures,
    details,
  };
}

/** Writes the result file as indented JSON. */
export function writeResults(path: string, r: BenchResults): void {
  writeFileSync(path, JSON.stringify(r, null, 2) + '\n');
}

/** The figures as an aligned text table: figure, measured, target, pass/miss. */
export function formatTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.name,
    `${formatValue(f.value)} ${f.unit}`.trim(),
    f.target ? `${f.target.op === '<=' ? '≤' : f.target.op === '>=' ? '≥' : '='} ${formatValue(f.target.value)} ${f.unit}`.trim() : '—',
    f.pass === null ? 'info' : f.pass ? 'pass' : 'MISS',
  ]);
  const header = ['figure', 'measured', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 10_000 ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : String(v);
}

/** A growth curve as results.json holds it: a measure at increasing sizes, one small table in the README. */
export interface CurveTable {
  readonly id: string;
  readonly title: string;
  /** The goal it is judged against, in words. */
  readonly goal: string;
  /** Column headers; the first is the size. */
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (number | string)[])[];
  /** The 1-minute load average when the curve started and ended (other processes skew wall times). */
  readonly load: { readonly before: number; readonly after: number };
  /** What ran short of the asked sizes, and why. */
  readonly note?: string;
}

/** A growth curve as a small Markdown table for the README: title and goal, the table, the load average and any note. */
export function curveMarkdown(curve: CurveTable): string {
  const cell = (v: number | string): string => (typeof v === 'number' ? (Number.isFinite(v) ? round(v).toLocaleString('en-US') : '—') : v);
  const right = curve.columns.map((_, i) => curve.rows.some((r) => typeof r[i] === 'number'));
  const lines = [
    `**${curve.title}** (goal: ${curve.goal})`,
    '',
    `| ${curve.columns.join(' | ')} |`,
    `|${right.map((r) => (r ? '---:' : '---')).join('|')}|`,
    ...curve.rows.map((r) => `| ${curve.columns.map((_, i) => cell(r[i] ?? '')).join(' | ')} |`),
    '',
    `Load average ${curve.load.before.toFixed(2)} before, ${curve.load.after.toFixed(2)} after.${curve.note ? ` ${curve.note}.` : ''}`,
  ];
  return lines.join('\n');
}
