import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { endsStatement } from '../warehouse/script-statements.js';
import type { Session } from '../warehouse/session.js';
import { reportError } from './error-report.js';
import type { Output } from './output.js';
import { runScript } from './statement-output.js';

/** How many lines the prompt's history keeps. */
const HISTORY_SIZE = 1000;

/** What the prompt reads from and writes to. */
export interface ReplOptions {
  readonly out: Output;
  readonly input: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  /** File the history is loaded from and saved to. */
  readonly historyFile: string;
  /** Rows a text table shows. */
  readonly maxRows: number;
}

/**
 * The interactive SQL prompt: statements may span lines and run when the text
 * typed ends with a `;` the session's tokenizer sees as a statement end;
 * errors are shown and the prompt goes on; `\q` or Ctrl-D quits; Ctrl-C
 * stops the running statement (nothing of it is applied), or clears the
 * statement being typed, or, pressed twice at an empty prompt, quits. The prompt names the
 * current database (USE changes it).
 */
export async function runRepl(session: Session, options: ReplOptions): Promise<void> {
  const { out, input } = options;
  const terminal = input.isTTY === true && out.stdout.isTTY === true;
  const rl = createInterface({
    input,
    output: out.stdout,
    terminal,
    history: terminal ? loadHistory(options.historyFile) : [],
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
  });
  if (terminal) rl.on('history', (lines: string[]) => saveHistory(options.historyFile, lines));
  let buffer = '';
  const prompt = (): void => {
    rl.setPrompt(buffer ? `${' '.repeat(Math.max(0, session.database.length - 3))}...> ` : `${session.database}> `);
    rl.prompt();
  };
  // Ctrl-C: stops the running statement; else clears the statement being typed; at an empty prompt, twice quits.
  let running = false;
  let quitArmed = false;
  const onInterrupt = (): void => {
    if (running) {
      session.engine.interrupt();
      return;
    }
    out.stdout.write('^C\n');
    if (buffer || !quitArmed) {
      if (!buffer && !out.json) out.line('(press Ctrl-C again to quit, or type \\q)');
      quitArmed = !buffer;
      buffer = '';
      prompt();
      return;
    }
    rl.close();
  };
  // A terminal sends Ctrl-C as a key readline reports; a pipe or `kill -INT` sends the signal.
  rl.on('SIGINT', onInterrupt);
  process.on('SIGINT', onInterrupt);
  if (!out.json) out.line(`Mayfly SQL on ${session.database}. End statements with ; — \\q or Ctrl-D to quit.`);
  prompt();
  try {
    for await (const line of rl) {
      quitArmed = false;
      const trimmed = line.trim();
      if (!buffer && /^(\\q|quit|exit)$/i.test(trimmed)) break;
      buffer = buffer ? `${buffer}\n${line}` : line;
      if (!buffer.trim()) buffer = '';
      // The session's tokenizer decides where a statement ends: a `;` inside a string, comment or $$ quote is not one.
      else if (endsStatement(buffer)) {
        const script = buffer;
        buffer = '';
        running = true;
        try {
          await runScript(out, session, script, options.maxRows);
        } catch (e) {
          reportError(out, e);
        } finally {
          running = false;
          // An interrupt that came after the statement ended must not stop the next one.
          session.engine.clearInterrupt();
        }
      }
      prompt();
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    rl.close();
    if (terminal) out.line();
  }
}

function loadHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').reverse().slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

function saveHistory(file: string, newestFirst: readonly string[]): void {
  try {
    writeFileSync(file, `${[...newestFirst].reverse().join('\n')}\n`);
  } catch {
    // History is a convenience; a read-only home must not break the prompt.
  }
}
