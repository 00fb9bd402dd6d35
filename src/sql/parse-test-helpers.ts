import assert from 'node:assert/strict';
import { parseScript } from './statement-parser.js';
import type { Statement } from './statements.js';

/** Test helper: parses a one-statement script and returns the statement without its text and offset. */
export function parseOne(sql: string): Omit<Statement, 'text' | 'offset'> {
  const statements = parseScript(sql);
  assert.equal(statements.length, 1);
  const { text: _text, offset: _offset, ...body } = statements[0] as Statement;
  return body;
}
