import { isMayflyError } from '../core/errors.js';
import { exitCodeOf, isUserError, type ExitCode } from './exit-codes.js';
import type { Output } from './output.js';

const BUG_HINT = 'this is a bug in Mayfly (or a failure of its environment); please report it with the command you ran. Set MAYFLY_DEBUG=1 to print the stack trace.';

/**
 * Reports an error: `error [CODE]: message` on stderr (and, with `--json`,
 * `{"error": {code, message, …details}}` on stdout); internal errors also say they are
 * a bug. Returns the exit code the error calls for.
 */
export function reportError(out: Output, error: unknown): ExitCode {
  const code = isMayflyError(error) ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  out.note(`error [${code}]: ${message}`);
  if (!isUserError(error)) {
    out.note(BUG_HINT);
    if (process.env.MAYFLY_DEBUG && error instanceof Error && error.stack) out.note(error.stack);
  }
  if (out.json) out.printJson({ error: { code, message, ...(isMayflyError(error) ? error.details : {}) } });
  return exitCodeOf(error);
}
