import type { OptionsConfig } from './args.js';
import type { Output } from './output.js';

/** What a command reads besides its arguments. */
export interface CommandContext {
  /** Where results, errors and progress go. */
  readonly out: Output;
  /** Standard input (scripts piped to `mayfly sql`, the interactive prompt). */
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
}

/** One `mayfly` command, selected by its words (`db list`). */
export interface Command {
  /** The words that select it, e.g. `['clone', 'create']`. */
  readonly words: readonly string[];
  /** One line for `mayfly help`. */
  readonly summary: string;
  /** The full help: usage line, arguments, options. */
  readonly help: string;
  /** Its options besides the global ones (main reads them to find the command words). */
  readonly options: OptionsConfig;
  /** Runs the command with its arguments (the command words removed); throws MayflyErrors for the user to act on. */
  run(args: readonly string[], ctx: CommandContext): Promise<void>;
}

/**
 * What the command table knows of a command without loading it: enough to
 * list it in help and to find the command words among the arguments.
 */
export interface CommandEntry extends Pick<Command, 'words' | 'summary' | 'options'> {
  /** Imports the module that exports the command (alone or in a list). */
  load(): Promise<Readonly<Record<string, unknown>>>;
}
