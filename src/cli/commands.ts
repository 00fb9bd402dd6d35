import { cloneCommands } from './clone-command.js';
import { costCommands } from './cost-commands.js';
import { dagCommands } from './dag-commands.js';
import { pipeCommands } from './pipe-commands.js';
import { retentionCommands } from './retention-commands.js';
import { seedCommands } from './seed-command.js';
import type { Command } from './command.js';
import { dbDropCommand, dbListCommand, dbShowCommand } from './db-command.js';
import { demoCommand } from './demo-command.js';
import { initCommand } from './init-command.js';
import { compactCommand, gcCommand, metricsCommand } from './maintenance-commands.js';
import { sqlCommand } from './sql-command.js';

/** Every command, in the order `mayfly help` lists them. */
export const COMMANDS: readonly Command[] = [
  initCommand,
  sqlCommand,
  dbListCommand,
  dbShowCommand,
  dbDropCommand,
  ...cloneCommands,
  ...retentionCommands,
  ...costCommands,
  ...pipeCommands,
  ...dagCommands,
  ...seedCommands,
  metricsCommand,
  gcCommand,
  compactCommand,
  demoCommand,
];

/** Words that start a group of commands (`db list`, `clone create`). */
export const GROUPS: ReadonlySet<string> = new Set(COMMANDS.filter((c) => c.words.length > 1).map((c) => c.words[0] ?? ''));

/** The command named by `words`, if any. */
export function findCommand(words: readonly string[]): Command | undefined {
  return COMMANDS.find((c) => c.words.length === words.length && c.words.every((w, i) => w === words[i]));
}

/** The commands of a group. */
export function groupCommands(group: string): readonly Command[] {
  return COMMANDS.filter((c) => c.words.length > 1 && c.words[0] === group);
}
