/**
 * CLI start-up: `mayfly --version`, `--help`, `clone list` and `clone create`
 * as child processes next to `node -e 0` (Node's own start), interleaved
 * round robin so drift on the machine hits them alike.
 */
import { join } from 'node:path';
import { median, progress } from './bench-util.js';
import { cliWallMs, growthHome, nodeWallMs, openGrowth, withLoad, type GrowthCurve } from './growth-curve.js';
import { figure, type Figure } from './report.js';

/** Measures start-up wall times, `runs` of each. */
export async function measureStartup(root: string, runs: number): Promise<{ curve: GrowthCurve; figures: Figure[] }> {
  const h = growthHome(join(root, 'growth-startup'));
  const mayfly = openGrowth(h);
  try {
    // A few clones, so `clone list` lists something.
    for (let i = 0; i < 5; i++) await mayfly.lifecycle.create({ name: `squad_s_seed${i}`, owner: 'bench' });
  } finally {
    mayfly.close();
  }
  let created = 0;
  const commands: readonly { readonly label: string; readonly run: () => number }[] = [
    { label: 'node -e 0', run: () => nodeWallMs(['-e', '0']) },
    { label: 'mayfly --version', run: () => cliWallMs(undefined, ['--version']) },
    { label: 'mayfly --help', run: () => cliWallMs(undefined, ['--help']) },
    { label: 'mayfly clone list', run: () => cliWallMs(h, ['clone', 'list']) },
    { label: 'mayfly clone create', run: () => cliWallMs(h, ['clone', 'create', `squad_s_c${created++}`, '--owner', 'bench']) },
  ];
  const { value: ms, load } = await withLoad(async () => {
    const samples = commands.map(() => [] as number[]);
    for (let r = 0; r < runs; r++) for (const [i, c] of commands.entries()) samples[i]?.push(c.run());
    return samples.map(median);
  });
  const node = ms[0] ?? Number.NaN;
  const of = (label: string): number => ms[commands.findIndex((c) => c.label === label)] ?? Number.NaN;
  progress(`growth start-up: ${commands.map((c, i) => `${c.label} ${Math.round(ms[i] ?? 0)} ms`).join(', ')}`);
  const curve: GrowthCurve = {
    id: 'startup',
    title: `CLI start-up, wall time of a child process (median of ${runs})`,
    goal: '--version ≤ 2× node -e 0; clone list and clone create ≤ 250 ms',
    columns: ['command', 'wall (ms)', '× node -e 0'],
    rows: commands.map((c, i) => [c.label, ms[i] ?? Number.NaN, (ms[i] ?? Number.NaN) / node]),
    load,
  };
  const figures = [
    figure('start-up: mayfly --version / node -e 0', of('mayfly --version') / node, '×', { op: '<=', value: 2 }),
    figure('start-up: mayfly --help / node -e 0', of('mayfly --help') / node, '×'),
    figure('start-up: mayfly clone list, wall', of('mayfly clone list'), 'ms', { op: '<=', value: 250 }),
    figure('start-up: mayfly clone create, wall', of('mayfly clone create'), 'ms', { op: '<=', value: 250 }),
  ];
  return { curve, figures };
}
