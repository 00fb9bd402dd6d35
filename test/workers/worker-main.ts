import { createInterface } from 'node:readline';
import { isMayflyError } from '../../src/index.js';

/**
 * Runs a worker's `main` with its arguments and exits with its code. Exits
 * explicitly: a parent may keep the worker's stdin open. A failure prints the
 * error's code (for MayflyErrors) and stack on stderr and exits 1.
 */
export function runWorker(main: (args: readonly string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${isMayflyError(e) ? `${e.code}: ` : ''}${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}

/** Resolves on the first line of stdin (the parent's start signal). */
export function firstLine(): Promise<void> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.once('line', () => {
      rl.close();
      resolve();
    });
  });
}
