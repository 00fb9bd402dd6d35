import { GLOBAL_OPTIONS_HELP } from './args.js';
import type { Command } from './command.js';
import { COMMANDS, groupCommands } from './commands.js';

/** `mayfly help`: every command with one line each. */
export function generalHelp(): string {
  return `mayfly — short-lived, zero-copy clones of a data warehouse

Usage: mayfly <command> [arguments] [options]

Commands:
${commandList([...COMMANDS.map((c): [string, string] => [c.words.join(' '), c.summary]), ['help [COMMAND]', "show a command's help"]])}

${GLOBAL_OPTIONS_HELP}
  --version        print Mayfly's version

Exit codes: 0 ok, 1 user error (the message says what to do), 2 internal error (a bug).
Run \`mayfly <command> --help\` for a command's arguments and options.`;
}

/** The help of a group (`mayfly db`): its commands. */
export function groupHelp(group: string): string {
  return `Usage: mayfly ${group} <command> [arguments] [options]

Commands:
${commandList(groupCommands(group).map((c) => [c.words.join(' '), c.summary]))}

Run \`mayfly ${group} <command> --help\` for details.`;
}

/** The usage line of a command and where to find more, for usage errors. */
export function usageHint(command: Command): string {
  const [usage = ''] = command.help.split('\n');
  return `${usage}\nRun \`mayfly ${command.words.join(' ')} --help\` for details.`;
}

function commandList(entries: readonly (readonly [string, string])[]): string {
  const width = Math.max(...entries.map(([name]) => name.length + 2));
  return entries.map(([name, summary]) => `  ${name.padEnd(width)}${summary}`).join('\n');
}
