import { invalid } from '../core/errors.js';
import { SCOPE_KINDS, type ScopeKind } from './clone-record.js';

/** A parsed scope: `squad:c` is kind `squad`, id `c`. */
export interface Scope {
  readonly kind: ScopeKind;
  readonly id: string;
}

const SCOPE_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Parses `squad:<id>`, `family:<id>` or `cross-family:<name>`; refuses unknown kinds and malformed ids, naming the rule. */
export function parseScope(text: string): Scope {
  const at = text.indexOf(':');
  const kind = at < 0 ? text : text.slice(0, at);
  if (!(SCOPE_KINDS as readonly string[]).includes(kind)) {
    throw invalid('UNKNOWN_SCOPE_KIND', `unknown scope kind ${JSON.stringify(kind)} in scope ${JSON.stringify(text)}: use ${SCOPE_KINDS.map((k) => `${k}:<id>`).join(', ')} (e.g. squad:c)`);
  }
  const id = at < 0 ? '' : text.slice(at + 1);
  if (!SCOPE_ID.test(id)) {
    throw invalid('INVALID_SCOPE', `invalid scope ${JSON.stringify(text)}: the id after ${kind}: is lower-case letters, digits, - and _ (e.g. ${kind}:c, cross-family:irm-a)`);
  }
  return { kind: kind as ScopeKind, id };
}

/** The scope as written: `squad:c`. */
export function formatScope(scope: Scope): string {
  return `${scope.kind}:${scope.id}`;
}

/** A scope part as it appears in database names (which allow no `-`): `cross-family` → `cross_family`. */
export function nameToken(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_$]/g, '_');
}
