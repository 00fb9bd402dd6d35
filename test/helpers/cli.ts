import { Readable, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

/** What one in-process CLI run printed, and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A stream that keeps what it is written. */
function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

/** Runs `mayfly argv…` in this process through main(argv, io), with empty standard input. */
export async function runCli(argv: readonly string[]): Promise<CliRun> {
  const out = sink();
  const err = sink();
  const code = await main(argv, { stdin: Readable.from([]), stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}
