import { invalid } from '../core/errors.js';
import { checkName } from '../core/names.js';
import type { ControlStore } from '../warehouse/control-store.js';
import { CLONE_RECORD_KIND, SCOPE_KINDS, type CloneRecord, type ScopeKind } from './clone-record.js';
import { nameToken, type Scope } from './clone-scope.js';

const SLUG = '[a-z0-9][a-z0-9_$]*';

/** What a pattern's placeholders stand for in one name. */
interface Substitutions {
  readonly scope: string;
  readonly id: string;
  readonly owner: string;
  readonly slug: string;
}

function escape(literal: string): string {
  return literal.replace(/[$]/g, '\\$');
}

/** Turns `{scope}_{id}_{slug}` into a regular expression, each placeholder replaced by `subst`'s source. */
function patternRegex(pattern: string, subst: Substitutions): RegExp {
  const parts = pattern.split(/(\{[a-z]+\})/).map((p) => {
    const m = /^\{([a-z]+)\}$/.exec(p);
    return m ? subst[m[1] as keyof Substitutions] : escape(p);
  });
  return new RegExp(`^${parts.join('')}$`);
}

/**
 * Checks a clone name against the naming pattern of `mayfly.yaml`
 * (`clones.naming`) for its scope and owner; refuses it with the rule and an
 * example when it does not follow it.
 */
export function checkCloneName(pattern: string, name: string, scope: Scope, owner: string): void {
  checkName(name, 'database');
  const expected = { scope: nameToken(scope.kind), id: nameToken(scope.id), owner: nameToken(owner), slug: '<slug>' };
  const regex = patternRegex(pattern, { scope: escape(expected.scope), id: escape(expected.id), owner: escape(expected.owner), slug: SLUG });
  if (regex.test(name)) return;
  const example = pattern.replace(/\{([a-z]+)\}/g, (_, p: string) => expected[p as keyof Substitutions]);
  throw invalid(
    'INVALID_CLONE_NAME',
    `clone name ${JSON.stringify(name)} does not follow the naming pattern ${pattern} (clones.naming in mayfly.yaml): ` +
      `for scope ${scope.kind}:${scope.id} it must be ${example}, where <slug> is lower-case letters, digits, _ and $, starting with a letter or digit`,
  );
}

/**
 * Reads the scope out of a name that follows the pattern (`squad_c_sprint42`
 * → `squad:c`), for `clone create` without `--scope`. An id read this way has
 * no `_` (`cross_family_irm_x` → `cross-family:irm`); pass `--scope` otherwise.
 */
export function scopeFromName(pattern: string, name: string): Scope | undefined {
  if (!pattern.includes('{scope}') || !pattern.includes('{id}')) return undefined;
  // Longest kinds first, so `cross_family_…` is not read as something shorter.
  const kinds = [...SCOPE_KINDS].sort((a, b) => b.length - a.length).map(nameToken);
  const regex = patternRegex(pattern, { scope: `(?<scope>${kinds.join('|')})`, id: '(?<id>[a-z0-9]+)', owner: '[a-z0-9_$]+?', slug: SLUG });
  const m = regex.exec(name);
  const token = m?.groups?.scope;
  const id = m?.groups?.id;
  if (token === undefined || id === undefined) return undefined;
  const kind = SCOPE_KINDS.find((k) => nameToken(k) === token) as ScopeKind;
  return { kind, id };
}

const NEAR_SHOWN = 5;
/** How many records one near-name query reads at most (destroyed ones are read and skipped). */
const NEAR_READ = 25;

/**
 * Up to five live clones whose names share the longest `_`-separated prefix
 * with `name` (`squad_c_sprint42x` → `squad_c_…`), for a not-found message.
 * Bounded range reads of the records by key: never the whole inventory.
 */
export function nearCloneNames(store: ControlStore, name: string): readonly string[] {
  const parts = name.split('_');
  for (let keep = parts.length - 1; keep >= 1; keep--) {
    const prefix = `${parts.slice(0, keep).join('_')}_`;
    const near = store
      .listRecordRange<CloneRecord>(CLONE_RECORD_KIND, { from: prefix, to: `${prefix}\uffff`, limit: NEAR_READ })
      .filter((r) => r.value.state !== 'destroyed' && r.key === r.value.name)
      .map((r) => r.key);
    if (near.length > 0) return near.slice(0, NEAR_SHOWN);
  }
  return [];
}
