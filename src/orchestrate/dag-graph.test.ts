import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isMayflyError } from '../core/errors.js';
import { checkAcyclic, downstreamOf, planDag, selectModels } from './dag-graph.js';
import { loadModelSet, readModelLayout, type ModelSet } from './model-project.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A models folder with the given files (path → SQL), loaded at `version`. */
function project(files: Record<string, string>, version?: string): ModelSet {
  const dir = mkdtempSync(join(tmpdir(), 'mayfly-models-'));
  dirs.push(dir);
  for (const [path, sql] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, 'models', path)), { recursive: true });
    writeFileSync(join(dir, 'models', path), sql);
  }
  return loadModelSet(readModelLayout(join(dir, 'models'), dir), version, dir);
}

const throwsCode = (fn: () => unknown, code: string, message?: RegExp): void => {
  assert.throws(fn, (e: unknown) => isMayflyError(e, code) && (message === undefined || message.test(e.message)));
};

const VAULT = {
  'rdv/hub.sql': 'select 1 as k',
  'rdv/sat.sql': "select * from {{ ref('rdv.hub') }}",
  'bdv/value.sql': "select * from {{ ref('sat') }} join rdv.hub using (k) -- plain names order the run too",
  'pl/summary.sql': "{{ config(tags=['daily']) }} select * from {{ ref('bdv.value') }}",
  'pl/other.sql': "select 'rdv.sat' as not_a_reference",
};

describe('models and their graph', () => {
  it('reads layers as schemas, resolves refs (bare names too) and plain names of models into dependencies', () => {
    const set = project(VAULT);
    assert.deepEqual([...set.models.keys()].sort(), ['bdv.value', 'pl.other', 'pl.summary', 'rdv.hub', 'rdv.sat']);
    assert.deepEqual(set.models.get('bdv.value')?.dependsOn, ['rdv.hub', 'rdv.sat']);
    assert.deepEqual(set.models.get('pl.other')?.dependsOn, []);
    const plan = planDag(set, selectModels(set, []));
    assert.deepEqual(plan.order, ['pl.other', 'rdv.hub', 'rdv.sat', 'bdv.value', 'pl.summary']);
    assert.deepEqual(downstreamOf(plan, 'rdv.sat'), ['bdv.value', 'pl.summary']);
  });

  it('selects by name, layer, tag, and with upstream (+x) or downstream (x+) models', () => {
    const set = project(VAULT);
    const sel = (...s: string[]): string[] => [...selectModels(set, s)].sort();
    assert.deepEqual(sel('rdv'), ['rdv.hub', 'rdv.sat']);
    assert.deepEqual(sel('pl.*'), ['pl.other', 'pl.summary']);
    assert.deepEqual(sel('tag:daily'), ['pl.summary']);
    assert.deepEqual(sel('+bdv.value'), ['bdv.value', 'rdv.hub', 'rdv.sat']);
    assert.deepEqual(sel('sat+'), ['bdv.value', 'pl.summary', 'rdv.sat']);
    assert.deepEqual(sel('rdv.sat', '+pl.summary'), ['bdv.value', 'pl.summary', 'rdv.hub', 'rdv.sat']);
    throwsCode(() => sel('rdv.hubb'), 'DAG_SELECT_UNKNOWN', /--select rdv\.hubb matches no model \(models: bdv\.value, /);
  });

  it('names a dependency cycle and the files to change', () => {
    const set = project({ 'a/x.sql': "select * from {{ ref('a.y') }}", 'a/y.sql': "select * from {{ ref('a.z') }}", 'a/z.sql': 'select * from a.x' });
    throwsCode(() => checkAcyclic(set), 'DAG_CYCLE', /a\.x → a\.y → a\.z → a\.x; break it in one of models\/a\/x\.sql, models\/a\/y\.sql, models\/a\/z\.sql/);
  });

  it('refuses refs to missing models with a suggestion, and ambiguous or self refs', () => {
    throwsCode(() => project({ 'rdv/hub.sql': 'select 1', 'pl/p.sql': "select 1\nfrom {{ ref('rdv.hbu') }}" }), 'MODEL_REF_UNKNOWN', /^models\/pl\/p\.sql:2: ref\('rdv\.hbu'\) names no model \(did you mean rdv\.hub\?\)/);
    throwsCode(() => project({ 'a/t.sql': 'select 1', 'b/t.sql': 'select 1', 'c/u.sql': "select * from {{ ref('t') }}" }), 'MODEL_REF_AMBIGUOUS');
    throwsCode(() => project({ 'a/t.sql': "select * from {{ ref('a.t') }}" }), 'MODEL_REF_SELF', /use \{\{ this \}\}/);
  });

  it('refuses files that are not one query, and bad names or layouts', () => {
    throwsCode(() => project({ 'a/t.sql': 'select 1; drop table x' }), 'MODEL_NOT_A_QUERY', /one query/);
    throwsCode(() => project({ 'a/t.sql': 'insert into x values (1)' }), 'MODEL_NOT_A_QUERY');
    throwsCode(() => project({ 'a/t.sql': '-- nothing yet\n' }), 'MODEL_EMPTY');
    throwsCode(() => project({ 'a/Bad-Name.sql': 'select 1' }), 'MODEL_NAME_INVALID');
    throwsCode(() => project({ 'mayfly/t.sql': 'select 1' }), 'MODEL_NAME_INVALID', /system schema/);
    throwsCode(() => project({ 'v1/a/t.sql': 'select 1', 'b/u.sql': 'select 1' }, 'v1'), 'MODEL_LAYOUT_INVALID', /mixes layer folders \(b\) and version folders \(v1\)/);
    // A `;` inside a string or a comment is not a second statement.
    assert.equal(project({ 'a/t.sql': "select ';' as s -- ; here\n;" }).models.size, 1);
  });

  it('reads version folders and asks for one when there are several', () => {
    const files = { 'v1/a/t.sql': 'select 1 as v', 'v2/a/t.sql': 'select 2 as v', 'v10/a/t.sql': 'select 10 as v' };
    const dir = mkdtempSync(join(tmpdir(), 'mayfly-models-'));
    dirs.push(dir);
    for (const [path, sql] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, 'models', path)), { recursive: true });
      writeFileSync(join(dir, 'models', path), sql);
    }
    const layout = readModelLayout(join(dir, 'models'), dir);
    assert.deepEqual(layout.versions, ['v1', 'v2', 'v10']);
    assert.equal(loadModelSet(layout, 'v2', dir).models.get('a.t')?.file, join('models', 'v2', 'a', 't.sql'));
    throwsCode(() => loadModelSet(layout, undefined, dir), 'DAG_VERSION_REQUIRED', /\(v1, v2, v10\)/);
    throwsCode(() => loadModelSet(layout, 'v3', dir), 'DAG_VERSION_UNKNOWN', /versions: v1, v2, v10/);
    throwsCode(() => readModelLayout(join(dir, 'nope'), dir), 'MODELS_NOT_FOUND');
  });
});
