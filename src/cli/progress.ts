import { formatDuration, type Output } from './output.js';

/** Live progress of one long operation. */
export interface Progress {
  /** Reports `done` of `total` units (`total` 0 when unknown), with an optional detail such as the current table. */
  update(done: number, total: number, detail?: string): void;
  /** Clears the bar. */
  finish(): void;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 80;

/** A progress bar on stderr, or nothing when stderr is not a terminal or stdout is JSON. */
export function progressBar(out: Output, label: string): Progress {
  if (!out.showsProgress) return { update: () => undefined, finish: () => undefined };
  let last = 0;
  let drawn = false;
  const width = (): number => out.stderr.columns || 80;
  return {
    update(done, total, detail) {
      const now = performance.now();
      if (now - last < REDRAW_MS && done !== total) return;
      last = now;
      const bar =
        total > 0 ? `[${'#'.repeat(Math.round((done / total) * BAR_WIDTH)).padEnd(BAR_WIDTH, '-')}] ${done}/${total}` : `${done}…`;
      const text = `${label} ${bar}${detail ? ` ${detail}` : ''}`;
      out.stderr.write(`\r\x1b[2K${text.slice(0, width() - 1)}`);
      drawn = true;
    },
    finish() {
      if (drawn) out.stderr.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

/** Runs and reports the numbered steps of a longer job, one line each. */
export class StepReporter {
  private n = 0;

  /**
   * @param out where to report: stdout in text mode; with `--json`, stderr and only on a terminal
   * @param total how many steps there are
   */
  constructor(
    private readonly out: Output,
    private readonly total: number,
  ) {}

  /** Runs one step, showing it while it runs (on a terminal) and its elapsed time when done. */
  async run<T>(label: string, work: () => Promise<T> | T, summary?: (result: T) => string): Promise<T> {
    const prefix = `[${++this.n}/${this.total}] ${label}`;
    const stream = this.out.json ? this.out.stderr : this.out.stdout;
    const visible = !this.out.json || this.out.stderr.isTTY === true;
    const live = visible && stream.isTTY === true;
    if (live) stream.write(`${prefix} …`);
    const started = performance.now();
    const result = await work();
    const elapsed = formatDuration(performance.now() - started);
    const line = `${prefix}${summary ? `: ${summary(result)}` : ''} (${elapsed})`;
    if (visible) stream.write(`${live ? '\r\x1b[2K' : ''}${line}\n`);
    return result;
  }
}
