import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareNames } from './names.js';

test('names sort as localeCompare sorts them (the collation clone list used), without ICU', () => {
  // Every valid-name character, so `_` and `$` meet digits and letters at every position.
  const chars = 'abmz0159_$';
  const names: string[] = [];
  for (const a of 'am_') for (const b of chars) for (const c of ['', ...chars]) names.push(`${a}${b}${c}`);
  names.push('squad_c_sprint42', 'squad_c_sprint4', 'squad_c1', 'squad_c_1', 'squad$c', 'squad_c', 'squad');
  const icu = [...names].sort((x, y) => x.localeCompare(y));
  assert.deepEqual([...names].sort(compareNames), icu);
  // Code-point order differs (`$` and digits before `_`): the comparison is not merely `<`.
  assert.notDeepEqual([...names].sort(), icu);
  assert.equal(compareNames('a_b', 'a_b'), 0);
  // Text a valid name cannot hold is compared by localeCompare itself.
  assert.equal(Math.sign(compareNames('Beta', 'alpha')), Math.sign('Beta'.localeCompare('alpha')));
});
