/**
 * Prints the growth curves of a results file as Markdown tables (for the
 * README), with the growth figures and their pass/miss:
 *
 *   node dist/bench/growth-markdown.js [bench/results.json]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { curveMarkdown, type BenchResults, type CurveTable, type Figure } from './report.js';

/** The growth section of a results file as Markdown: one table per curve, then the growth figures. */
export function growthMarkdown(r: Pick<BenchResults, 'figures' | 'details'>): string {
  const growth = r.details.growth as { readonly curves?: readonly CurveTable[]; readonly errors?: Readonly<Record<string, string>> } | undefined;
  const curves = growth?.curves ?? [];
  const figures = r.figures.filter((f) => /^(growth|start-up|1% DELETE):/.test(f.name));
  const mark = (f: Figure): string => (f.pass === null ? 'info' : f.pass ? 'pass' : 'miss');
  const target = (f: Figure): string => (f.target ? `${f.target.op === '<=' ? '≤' : f.target.op === '>=' ? '≥' : '='} ${f.target.value.toLocaleString('en-US')} ${f.unit}` : '—');
  const table = [
    '| figure | measured | target | |',
    '|---|---:|---:|---|',
    ...figures.map((f) => `| ${f.name} | ${f.value.toLocaleString('en-US')} ${f.unit} | ${target(f)} | ${mark(f)} |`),
  ];
  const failed = Object.entries(growth?.errors ?? {}).map(([name, message]) => `Curve ${name} failed: ${message.split('\n')[0] ?? ''}`);
  return [...curves.map(curveMarkdown), table.join('\n'), ...failed].join('\n\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = process.argv[2] ?? fileURLToPath(new URL('../../bench/results.json', import.meta.url));
  process.stdout.write(`${growthMarkdown(JSON.parse(readFileSync(path, 'utf8')) as BenchResults)}\n`);
}
