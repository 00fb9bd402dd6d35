import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { withMayfly } from './open-warehouse.js';
import { inElapsed } from './output.js';

/** `mayfly init`: creates the warehouse home and its production database; idempotent. */
export const initCommand: Command = {
  words: ['init'],
  options: {},
  summary: 'create the warehouse and its production database (does nothing if they exist)',
  help: `Usage: mayfly init

Creates the warehouse home and its empty production database. Running it again
changes nothing.

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, {});
    expectPositionals(positionals, []);
    await withMayfly(
      values,
      async (mayfly) => {
        const started = performance.now();
        const created = mayfly.warehouse.init();
        const elapsedMs = performance.now() - started;
        const { home, production } = mayfly.config;
        if (out.json) out.printJson({ home, production, created, elapsedMs });
        else if (created) out.line(`created warehouse ${home} with production database ${production}${inElapsed(elapsedMs)}`);
        else out.line(`warehouse ${home} already exists (production database ${production}); nothing to do`);
      },
      true,
    );
  },
};
