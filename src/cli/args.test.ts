import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMayflyError } from '../core/errors.js';
import { parseCommandArgs, parsePointInTime } from './args.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');

test('a point in time is an ISO-8601 timestamp or a duration ago', () => {
  assert.equal(parsePointInTime('2026-03-01T08:30:00Z', NOW), Date.parse('2026-03-01T08:30:00Z'));
  assert.equal(parsePointInTime('2026-03-01 08:30:00+01:00', NOW), Date.parse('2026-03-01T07:30:00Z'));
  assert.equal(parsePointInTime('2026-03-01', NOW), Date.parse('2026-03-01T00:00:00Z'));
  assert.equal(parsePointInTime('2h', NOW), NOW - 2 * 3_600_000);
  assert.equal(parsePointInTime('1d', NOW), NOW - 86_400_000);
  for (const bad of ['yesterday', 'March 1', '2026-13-45', '-2h', '']) {
    assert.throws(() => parsePointInTime(bad, NOW), (e) => isMayflyError(e, 'INVALID_TIMESTAMP') || isMayflyError(e, 'INVALID_DURATION'), bad);
  }
});

test('command arguments take the global options anywhere and refuse unknown ones as usage errors', () => {
  const { values, positionals } = parseCommandArgs(['NAME', '--json', '--from', 'prod', '--schema', 'a', '--schema', 'b'], {
    from: { type: 'string' },
    schema: { type: 'string', multiple: true },
  });
  assert.deepEqual(positionals, ['NAME']);
  assert.equal(values.json, true);
  assert.equal(values.from, 'prod');
  assert.deepEqual(values.schema, ['a', 'b']);
  assert.throws(() => parseCommandArgs(['--nope'], {}), (e) => isMayflyError(e, 'USAGE'));
  assert.throws(() => parseCommandArgs(['--from'], { from: { type: 'string' } }), (e) => isMayflyError(e, 'USAGE'));
});
