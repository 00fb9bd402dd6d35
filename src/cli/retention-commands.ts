import type { Command } from './command.js';

/** The commands of this area, registered in `commands.ts`. */
export const retentionCommands: readonly Command[] = [];
