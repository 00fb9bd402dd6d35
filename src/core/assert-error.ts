import assert from 'node:assert/strict';
import { isMayflyError } from './errors.js';

/** Test helper: asserts `fn` throws a MayflyError with `code` (and a message matching `message`). */
export function assertThrowsCode(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => isMayflyError(e, code) && (message === undefined || message.test(e.message)));
}
