import { isMayflyError } from '../core/errors.js';

/** The process exit codes of `mayfly`; only the CLI knows them. */
export const EXIT_CODES = {
  /** The command did what it was asked. */
  ok: 0,
  /** The user can fix it: a bad name, option, statement or state (any MayflyError that is not internal). */
  userError: 1,
  /** A bug or an environment failure. */
  internalError: 2,
} as const;

/** One of {@link EXIT_CODES}' values. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The exit code an error ends the process with. */
export function exitCodeOf(error: unknown): ExitCode {
  return isUserError(error) ? EXIT_CODES.userError : EXIT_CODES.internalError;
}

/** Whether the user can act on the error (a MayflyError whose kind is not `internal`). */
export function isUserError(error: unknown): boolean {
  return isMayflyError(error) && error.kind !== 'internal';
}
