/** The small hierarchy every Mayfly error belongs to; interfaces map it to exit or status codes. */
export const ERROR_KINDS = ['invalid', 'not_found', 'conflict', 'forbidden', 'internal'] as const;
/** One of {@link ERROR_KINDS}. */
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** A typed error with a stable code (`SQL_PARSE`, `DB_NOT_FOUND`, …) and a message a user can act on. */
export class MayflyError extends Error {
  override readonly name = 'MayflyError';
  /** Context for machine-readable output, e.g. the statements a script completed before it failed. */
  readonly details: Record<string, unknown> = {};
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    /** Whether the message may be shown to a user as is (internal errors are not). */
    readonly safe: boolean = kind !== 'internal',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bad input: a name, a statement, an option. */
export function invalid(code: string, message: string): MayflyError {
  return new MayflyError(code, 'invalid', message);
}

/** Something named does not exist. */
export function notFound(code: string, message: string): MayflyError {
  return new MayflyError(code, 'not_found', message);
}

/** A concurrent change won, or the state forbids the change now. */
export function conflict(code: string, message: string): MayflyError {
  return new MayflyError(code, 'conflict', message);
}

/** The operation is never allowed (sandbox, production protection). */
export function forbidden(code: string, message: string): MayflyError {
  return new MayflyError(code, 'forbidden', message);
}

/** A bug or an environment failure; the cause is kept for logs. */
export function internal(code: string, message: string, cause?: unknown): MayflyError {
  return new MayflyError(code, 'internal', message, false, { cause });
}

/** True when `e` is a MayflyError, optionally with the given code. */
export function isMayflyError(e: unknown, code?: string): e is MayflyError {
  return e instanceof MayflyError && (code === undefined || e.code === code);
}
