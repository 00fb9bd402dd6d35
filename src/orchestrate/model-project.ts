import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { invalid, isMayflyError, notFound } from '../core/errors.js';
import { checkName } from '../core/names.js';
import type { ModelConfig } from './model-config.js';
import { parseModelTemplate, type ModelTemplate } from './model-template.js';
import { dottedNames, lineOf, maskLiteralsAndComments } from './sql-text.js';
import { scriptStatementTexts, type ScriptStatement } from '../warehouse/script-statements.js';

/** One SQL model: `<layer>/<name>.sql` becomes `<layer>.<name>`, built in schema `<layer>` of the target. */
export interface Model {
  /** `layer.name`. */
  readonly id: string;
  readonly schema: string;
  readonly name: string;
  /** The file, relative to the project directory (for messages). */
  readonly file: string;
  readonly template: ModelTemplate;
  readonly config: ModelConfig;
  /** The models it depends on: its `ref()`s and the other models it names plainly. */
  readonly dependsOn: readonly string[];
  /** Each `ref()` name as written, resolved to a model id. */
  readonly refTargets: ReadonlyMap<string, string>;
}

/** The models of one version, by id. */
export interface ModelSet {
  /** The version folder (`v1`), or undefined when the project keeps its layers directly in the models folder. */
  readonly version: string | undefined;
  readonly models: ReadonlyMap<string, Model>;
}

/**
 * The shape of a models folder: `versioned` when it holds version folders
 * (`models/v1/rdv/hub.sql`), `flat` when it holds layer folders directly
 * (`models/rdv/hub.sql`).
 */
export interface ModelLayout {
  readonly dir: string;
  readonly kind: 'versioned' | 'flat';
  /** The version folders, in natural order (v1, v2, v10). */
  readonly versions: readonly string[];
}

/** Reads how a models folder is laid out; MODELS_NOT_FOUND when it is missing, MODEL_LAYOUT_INVALID when it mixes layouts. */
export function readModelLayout(dir: string, projectDir: string): ModelLayout {
  const shown = relative(projectDir, dir) || '.';
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw notFound('MODELS_NOT_FOUND', `models folder ${shown} does not exist; create ${shown}/<layer>/<name>.sql or set models: in mayfly.yaml`);
  }
  const loose = sqlFiles(dir);
  if (loose.length > 0) {
    throw invalid('MODEL_LAYOUT_INVALID', `${shown}/${loose[0]}: a model lives in a layer folder (${shown}/<layer>/<name>.sql or ${shown}/<version>/<layer>/<name>.sql)`);
  }
  const folders = subfolders(dir);
  const layers = folders.filter((f) => sqlFiles(join(dir, f)).length > 0);
  if (layers.length === 0) {
    const versions = folders.filter((f) => subfolders(join(dir, f)).length > 0).sort(naturalOrder);
    // A folder without models yet is a flat project with none.
    return versions.length > 0 ? { dir, kind: 'versioned', versions } : { dir, kind: 'flat', versions: [] };
  }
  const versions = folders.filter((f) => !layers.includes(f) && subfolders(join(dir, f)).length > 0);
  if (versions.length > 0) {
    throw invalid(
      'MODEL_LAYOUT_INVALID',
      `${shown} mixes layer folders (${layers.join(', ')}) and version folders (${versions.join(', ')}); put every layer inside a version folder, or use no versions`,
    );
  }
  return { dir, kind: 'flat', versions: [] };
}

/**
 * Loads and checks every model of a version (undefined for a flat layout): the
 * version's own files over those of the versions before it, in natural order.
 * Checks names, templates, configuration, references. Any problem is an error
 * before anything runs.
 */
export function loadModelSet(layout: ModelLayout, version: string | undefined, projectDir: string): ModelSet {
  if (layout.kind === 'flat' && version !== undefined) {
    throw notFound('DAG_VERSION_UNKNOWN', `version ${version} does not exist: the models in ${relative(projectDir, layout.dir) || '.'} have no version folders`);
  }
  if (layout.kind === 'versioned' && (version === undefined || !layout.versions.includes(version))) {
    const known = layout.versions.join(', ') || 'none';
    if (version === undefined) throw invalid('DAG_VERSION_REQUIRED', `the models have versions (${known}); choose one with --version or set the DAG's version in mayfly.yaml`);
    throw notFound('DAG_VERSION_UNKNOWN', `version ${version} does not exist (versions: ${known})`);
  }
  // A version holds the models it adds or changes; the versions before it supply the rest.
  const roots = version === undefined ? [layout.dir] : layout.versions.slice(0, layout.versions.indexOf(version) + 1).map((v) => join(layout.dir, v));
  const files = new Map<string, { layer: string; file: string; path: string }>();
  for (const root of roots) {
    for (const layer of subfolders(root)) {
      for (const file of sqlFiles(join(root, layer))) files.set(`${layer}/${file}`, { layer, file, path: join(root, layer, file) });
    }
  }
  const raw = new Map<string, Omit<Model, 'dependsOn' | 'refTargets'> & { masked: string }>();
  for (const { layer, file, path } of files.values()) {
    const shown = relative(projectDir, path);
    const name = file.slice(0, -'.sql'.length);
    for (const [part, kind] of [[layer, 'schema'], [name, 'table']] as const) {
      try {
        checkName(part, kind);
      } catch {
        throw invalid('MODEL_NAME_INVALID', `${shown}: ${JSON.stringify(part)} is not a valid ${kind === 'schema' ? 'layer' : 'model'} name (lower-case letters, digits and _)`);
      }
    }
    if (layer === 'mayfly') throw invalid('MODEL_NAME_INVALID', `${shown}: the layer mayfly is Mayfly's system schema; choose another folder name`);
    const text = readFileSync(path, 'utf8');
    const template = parseModelTemplate(text, shown);
    const sql = text.replace(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\}/g, (t) => t.replace(/[^\n]/g, ' '));
    const masked = checkIsQuery(sql, text, shown);
    raw.set(`${layer}.${name}`, { id: `${layer}.${name}`, schema: layer, name, file: shown, template, config: template.config, masked });
  }
  const models = new Map<string, Model>();
  for (const [id, m] of raw) {
    const deps = new Set<string>();
    const refTargets = new Map<string, string>();
    for (const r of m.template.refs) {
      const target = resolveRef(r.name, raw.keys());
      if (target === undefined) {
        const hint = closest(r.name, [...raw.keys()]);
        throw notFound('MODEL_REF_UNKNOWN', `${m.file}:${r.line}: ref('${r.name}') names no model${version ? ` of version ${version}` : ''}${hint ? ` (did you mean ${hint}?)` : ''}`);
      }
      if (target === 'ambiguous') {
        throw invalid('MODEL_REF_AMBIGUOUS', `${m.file}:${r.line}: ref('${r.name}') matches models in several layers; write ref('<layer>.${r.name}')`);
      }
      if (target === id) throw invalid('MODEL_REF_SELF', `${m.file}:${r.line}: a model cannot ref() itself; use {{ this }} for its own table`);
      deps.add(target);
      refTargets.set(r.name, target);
    }
    for (const parts of dottedNames(m.masked)) {
      // Plain names of other models order the run too; a cross-database model's 3-part names are read where they point.
      if (parts.length === 3 && m.config.crossDatabase) continue;
      const named = parts.slice(-2).join('.');
      if (named !== id && raw.has(named)) deps.add(named);
    }
    const { masked: _masked, ...model } = m;
    models.set(id, { ...model, dependsOn: [...deps].sort(), refTargets });
  }
  return { version, models };
}

/** A `ref()` name resolved among model ids: `layer.name` exactly, or a bare name if only one layer has it. */
function resolveRef(name: string, ids: Iterable<string>): string | 'ambiguous' | undefined {
  const all = [...ids];
  if (name.includes('.')) return all.includes(name) ? name : undefined;
  const matches = all.filter((id) => id.slice(id.indexOf('.') + 1) === name);
  return matches.length === 1 ? matches[0] : matches.length > 1 ? 'ambiguous' : undefined;
}

/**
 * A model is one query: SELECT, WITH, FROM, VALUES or a parenthesised query, with at most a trailing `;`.
 * Statements are told apart by the session's own tokenizer, so a `;` the session would split on is never
 * hidden in what looks like a string. Returns the text with literals and comments blanked.
 */
function checkIsQuery(sql: string, text: string, where: string): string {
  let statements: readonly ScriptStatement[];
  let masked: string;
  try {
    statements = scriptStatementTexts(sql);
    masked = maskLiteralsAndComments(sql);
  } catch (e) {
    if (isMayflyError(e, 'SQL_PARSE')) throw invalid('MODEL_NOT_A_QUERY', `${where}: ${e.message}`);
    throw e;
  }
  const [first, second] = statements;
  if (!first) throw invalid('MODEL_EMPTY', `${where}: the model has no query; write a SELECT`);
  if (second) {
    throw invalid('MODEL_NOT_A_QUERY', `${where}:${lineOf(text, second.offset)}: a model is one query; remove the statements after the ; (found ${statements.length} statements)`);
  }
  if (!/^(\(|select\b|with\b|from\b|values\b)/i.test(first.text)) {
    throw invalid('MODEL_NOT_A_QUERY', `${where}: a model is a query (SELECT … or WITH …); Mayfly writes the table or view itself`);
  }
  return masked;
}

/** The nearest model id by edit distance, when close enough to be a typo. */
function closest(name: string, ids: readonly string[]): string | undefined {
  let best: { id: string; d: number } | undefined;
  for (const id of ids) {
    const d = Math.min(distance(name, id), distance(name, id.slice(id.indexOf('.') + 1)));
    if (!best || d < best.d) best = { id, d };
  }
  return best && best.d <= Math.max(2, Math.floor(name.length / 4)) ? best.id : undefined;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length] ?? 0;
}

function subfolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

function sqlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.sql'))
    .map((e) => e.name)
    .sort();
}

/** Orders `v2` before `v10`. */
export function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
