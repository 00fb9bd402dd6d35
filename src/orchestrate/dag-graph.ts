import { invalid, notFound } from '../core/errors.js';
import type { Model, ModelSet } from './model-project.js';

/** The models a run builds, in an order that respects their dependencies, with the edges among them. */
export interface DagPlan {
  /** Selected model ids in a dependency order (stable: by depth, then name). */
  readonly order: readonly string[];
  /** For each selected model, the selected models it waits for. */
  readonly upstream: ReadonlyMap<string, readonly string[]>;
  /** For each selected model, the selected models that wait for it. */
  readonly downstream: ReadonlyMap<string, readonly string[]>;
}

/** Refuses a dependency cycle, naming it (`rdv.a → rdv.b → rdv.a`) and the files to change. */
export function checkAcyclic(set: ModelSet): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    const s = state.get(id);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(id)), id];
      const files = cycle.slice(0, -1).map((c) => set.models.get(c)?.file ?? c);
      throw invalid('DAG_CYCLE', `the models depend on each other in a cycle: ${cycle.join(' → ')}; break it in one of ${files.join(', ')}`);
    }
    state.set(id, 'visiting');
    stack.push(id);
    for (const d of set.models.get(id)?.dependsOn ?? []) visit(d);
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of [...set.models.keys()].sort()) visit(id);
}

/**
 * The models selectors pick (every model when there are none). A selector is
 * `layer.name`, a bare `name`, `layer` or `layer.*`, `*`, or `tag:T`; a leading
 * `+` adds everything it depends on, a trailing `+` everything that depends on it.
 * A selector that matches nothing is DAG_SELECT_UNKNOWN.
 */
export function selectModels(set: ModelSet, selectors: readonly string[]): ReadonlySet<string> {
  if (selectors.length === 0) return new Set(set.models.keys());
  const out = new Set<string>();
  const downstream = dependents(set);
  for (const raw of selectors.flatMap((s) => s.split(/[\s,]+/)).filter((s) => s !== '')) {
    const withUpstream = raw.startsWith('+');
    const withDownstream = raw.endsWith('+') && raw.length > 1;
    const pattern = raw.slice(withUpstream ? 1 : 0, withDownstream ? -1 : undefined).toLowerCase();
    const matched = [...set.models.values()].filter((m) => matches(m, pattern)).map((m) => m.id);
    if (matched.length === 0) {
      const known = [...set.models.keys()].sort().join(', ') || 'none';
      throw notFound('DAG_SELECT_UNKNOWN', `--select ${raw} matches no model${set.version ? ` of version ${set.version}` : ''} (models: ${known})`);
    }
    for (const id of matched) {
      out.add(id);
      if (withUpstream) walk(id, (x) => set.models.get(x)?.dependsOn ?? [], out);
      if (withDownstream) walk(id, (x) => downstream.get(x) ?? [], out);
    }
  }
  return out;
}

/** Orders the selected models by their dependencies (the set must be acyclic). */
export function planDag(set: ModelSet, selected: ReadonlySet<string>): DagPlan {
  const upstream = new Map<string, string[]>();
  const downstream = new Map<string, string[]>();
  for (const id of selected) {
    upstream.set(id, (set.models.get(id)?.dependsOn ?? []).filter((d) => selected.has(d)));
    downstream.set(id, []);
  }
  for (const [id, ups] of upstream) for (const u of ups) downstream.get(u)?.push(id);
  const depth = new Map<string, number>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const d = Math.max(-1, ...(upstream.get(id) ?? []).map(depthOf)) + 1;
    depth.set(id, d);
    return d;
  };
  const order = [...selected].sort((a, b) => depthOf(a) - depthOf(b) || a.localeCompare(b));
  for (const list of downstream.values()) list.sort();
  return { order, upstream, downstream };
}

/** Every selected model downstream of `id` (transitively). */
export function downstreamOf(plan: DagPlan, id: string): string[] {
  const out = new Set<string>();
  walk(id, (x) => plan.downstream.get(x) ?? [], out);
  out.delete(id);
  return [...out].sort();
}

function matches(m: Model, pattern: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('tag:')) return m.config.tags.includes(pattern.slice(4));
  if (pattern.endsWith('.*')) return m.schema === pattern.slice(0, -2);
  if (pattern.includes('.')) return m.id === pattern;
  return m.schema === pattern || m.name === pattern;
}

function dependents(set: ModelSet): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of set.models.values()) for (const d of m.dependsOn) out.set(d, [...(out.get(d) ?? []), m.id]);
  return out;
}

/** Adds `start` and everything reachable from it to `into`. */
function walk(start: string, next: (id: string) => readonly string[], into: Set<string>): void {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const id = stack.pop() ?? '';
    if (seen.has(id)) continue;
    seen.add(id);
    into.add(id);
    stack.push(...next(id));
  }
}
