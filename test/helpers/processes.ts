import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled worker scripts (`dist/test/workers`). */
export const WORKERS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'workers');

/** A worker child process with its collected output. */
export interface Worker {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves when stdout has a line equal to `line`; rejects if the process exits first. */
  waitForLine(line: string): Promise<void>;
  /** Resolves with the exit code (or the signal) once the process ended. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node dist/test/workers/<script>.js args…` with a clean test environment. */
export function startWorker(script: string, args: readonly string[]): Worker {
  const env = { ...process.env };
  // The child is a plain script, not a test file of this run.
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [join(WORKERS_DIR, `${script}.js`), ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { line: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  const settle = (): void => {
    const lines = new Set(out.split('\n'));
    for (const w of [...waiters]) {
      if (lines.has(w.line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    out += d;
    settle();
  });
  child.stderr.on('data', (d: string) => {
    err += d;
  });
  let ended = false;
  const failWaiters = (): void => {
    for (const w of waiters.splice(0)) w.reject(new Error(`worker ${script} exited before printing ${w.line}; stderr: ${err}`));
  };
  // 'close' (not 'exit'): every byte of stdout has arrived by then.
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      ended = true;
      settle();
      failWaiters();
      resolve({ code, signal });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForLine: (line) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ line, resolve, reject });
        settle();
        if (ended) failWaiters();
      }),
    exited: () => exit,
  };
}

/** A small deterministic pseudo-random generator (mulberry32), so a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
