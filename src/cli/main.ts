import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isMayflyError } from '../core/errors.js';
import { GLOBAL_OPTIONS, usageError, type OptionsConfig } from './args.js';
import type { Command, CommandContext } from './command.js';
import { COMMANDS, GROUPS, findCommand, loadCommand } from './commands.js';
import { reportError } from './error-report.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';
import { generalHelp, groupHelp, usageHint } from './help.js';
import { Output, type TextStream } from './output.js';

/** The streams `mayfly` talks through. */
export interface CliIo {
  readonly stdin: CommandContext['stdin'];
  readonly stdout: TextStream;
  readonly stderr: TextStream;
}

/** What selecting a command found: the command (or a help text to print) and its arguments. */
type Selection = { readonly command: Command; readonly args: readonly string[] } | { readonly text: string };

/**
 * Runs `mayfly` with its arguments (without `node` and the script) and
 * returns the exit code: 0 ok, 1 user error, 2 internal error.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const pre = prescan(argv);
  const out = new Output(pre.json, io.stdout, io.stderr);
  // The help a usage error prints, computed only if one happens.
  let helpOnError = (): string => generalHelp();
  try {
    if (pre.version && pre.words.length === 0) {
      if (out.json) out.printJson({ version: version() });
      else out.line(`mayfly ${version()}`);
      return EXIT_CODES.ok;
    }
    const selection = await select(pre.words, pre.help, argv, (text) => (helpOnError = () => text));
    if ('text' in selection) {
      out.line(selection.text);
      return EXIT_CODES.ok;
    }
    const { command } = selection;
    helpOnError = () => usageHint(command);
    // Standard input is opened only by a command that reads it (creating process.stdin costs a stream).
    await command.run(selection.args, {
      out,
      get stdin() {
        return io.stdin;
      },
    });
    return EXIT_CODES.ok;
  } catch (e) {
    const code = reportError(out, e);
    if (isMayflyError(e, 'USAGE')) out.note(`\n${helpOnError()}`);
    return code;
  }
}

/** A first, lenient pass over the arguments: the command words (with their positions) and the flags main itself needs. */
function prescan(argv: readonly string[]): { words: { value: string; index: number }[]; json: boolean; help: boolean; version: boolean } {
  // Every command's options, so that an option's value is not taken for a command word.
  const options: OptionsConfig = { ...GLOBAL_OPTIONS, version: { type: 'boolean' } };
  for (const c of COMMANDS) Object.assign(options, c.options);
  const { values, tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const words: { value: string; index: number }[] = [];
  for (const t of tokens) {
    if (t.kind === 'option-terminator') break;
    if (t.kind === 'positional') words.push({ value: t.value, index: t.index });
  }
  return { words, json: values.json === true, help: values.help === true, version: values.version === true };
}

/** Picks the command the words name, or the help to print; unknown words are usage errors. */
async function select(words: readonly { value: string; index: number }[], help: boolean, argv: readonly string[], onHelp: (text: string) => void): Promise<Selection> {
  const [first, second] = words.map((w) => w.value);
  if (first === undefined) return { text: generalHelp() };
  if (first === 'help') return { text: await helpFor(words.slice(1).map((w) => w.value)) };
  const group = GROUPS.has(first);
  if (group) {
    onHelp(groupHelp(first));
    if (second === undefined) {
      if (help) return { text: groupHelp(first) };
      throw usageError(`mayfly ${first} needs a command`);
    }
  }
  const named = group ? [first, second ?? ''] : [first];
  const entry = findCommand(named);
  if (!entry) throw usageError(`unknown command ${JSON.stringify(named.join(' '))}`);
  // Only the selected command's module is loaded: the others' imports (DuckDB, the config schema) stay unread.
  const command = await loadCommand(entry);
  if (help) return { text: command.help };
  const used = new Set(words.slice(0, named.length).map((w) => w.index));
  return { command, args: argv.filter((_, i) => !used.has(i)) };
}

/** The help `mayfly help WORDS` prints. */
async function helpFor(words: readonly string[]): Promise<string> {
  if (words.length === 0) return generalHelp();
  const entry = findCommand(words);
  if (entry) return (await loadCommand(entry)).help;
  const [first = ''] = words;
  if (words.length === 1 && GROUPS.has(first)) return groupHelp(first);
  throw usageError(`unknown command ${JSON.stringify(words.join(' '))}`);
}

/** Mayfly's version, from package.json. */
function version(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

// A closed pipe (`mayfly sql … | head`) ends the output, not in a crash.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(EXIT_CODES.ok);
  throw e;
});

process.exitCode = await main(process.argv.slice(2), {
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  stderr: process.stderr,
});
