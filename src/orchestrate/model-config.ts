import { invalid } from '../core/errors.js';

/** How a model's result is kept in the target. */
export const MATERIALIZATIONS = ['table', 'view', 'incremental'] as const;
/** One of {@link MATERIALIZATIONS}. */
export type Materialization = (typeof MATERIALIZATIONS)[number];

/** How an incremental model adds its rows: append them, or replace the rows with the same key. */
export const INCREMENTAL_STRATEGIES = ['append', 'merge'] as const;
/** One of {@link INCREMENTAL_STRATEGIES}. */
export type IncrementalStrategy = (typeof INCREMENTAL_STRATEGIES)[number];

/** The keys `{{ config(…) }}` accepts. */
export const MODEL_CONFIG_KEYS = ['materialized', 'unique_key', 'strategy', 'cross_database', 'tags', 'description'] as const;

/** A model's configuration, defaults applied. */
export interface ModelConfig {
  readonly materialized: Materialization;
  /** Incremental only: append, or merge on `uniqueKey`. */
  readonly strategy: IncrementalStrategy;
  /** The key columns a merge replaces rows by. */
  readonly uniqueKey: readonly string[];
  /** Reads follow database names as written (no redirect to the target); writes still go to the target. */
  readonly crossDatabase: boolean;
  readonly tags: readonly string[];
  readonly description?: string;
}

/** A literal value of a config argument. */
type ConfigValue = string | boolean | number | readonly string[];

/** The configuration of a model without a `{{ config(…) }}` header. */
export const DEFAULT_MODEL_CONFIG: ModelConfig = { materialized: 'table', strategy: 'append', uniqueKey: [], crossDatabase: false, tags: [] };

/**
 * Parses the arguments of `config(…)`: `key=value` pairs whose values are
 * quoted strings, true/false, numbers or lists of strings. `where` names the
 * model file for messages.
 */
export function parseModelConfig(args: string, where: string): ModelConfig {
  const values = parseArguments(args, where);
  const bad = (message: string) => invalid('MODEL_CONFIG_INVALID', `${where}: ${message}`);
  for (const key of values.keys()) {
    if (!(MODEL_CONFIG_KEYS as readonly string[]).includes(key)) throw bad(`unknown config key ${key} (keys: ${MODEL_CONFIG_KEYS.join(', ')})`);
  }
  const text = (key: string): string | undefined => {
    const v = values.get(key);
    if (v !== undefined && typeof v !== 'string') throw bad(`${key} must be a quoted string`);
    return v;
  };
  const list = (key: string): readonly string[] => {
    const v = values.get(key);
    if (v === undefined) return [];
    if (typeof v === 'string') return [v];
    if (Array.isArray(v)) return v as readonly string[];
    throw bad(`${key} must be a quoted string or a list of them`);
  };
  const materialized = text('materialized') ?? DEFAULT_MODEL_CONFIG.materialized;
  if (!isOneOf(MATERIALIZATIONS, materialized)) throw bad(`materialized must be one of ${MATERIALIZATIONS.join(', ')} (got ${JSON.stringify(materialized)})`);
  const uniqueKey = list('unique_key');
  const strategy = text('strategy') ?? (uniqueKey.length > 0 ? 'merge' : 'append');
  if (!isOneOf(INCREMENTAL_STRATEGIES, strategy)) throw bad(`strategy must be one of ${INCREMENTAL_STRATEGIES.join(', ')} (got ${JSON.stringify(strategy)})`);
  if (materialized !== 'incremental' && values.has('strategy')) throw bad(`strategy applies to incremental models only (this one is a ${materialized})`);
  if (materialized === 'incremental' && strategy === 'merge' && uniqueKey.length === 0) throw bad("strategy 'merge' needs unique_key='column' (or a list of columns)");
  if (strategy === 'append' && uniqueKey.length > 0 && values.has('strategy')) throw bad("unique_key is used by strategy 'merge' only");
  for (const k of uniqueKey) if (!/^[A-Za-z_][\w$]*$/.test(k)) throw bad(`unique_key column ${JSON.stringify(k)} is not a plain column name`);
  const crossDatabase = values.get('cross_database') ?? false;
  if (typeof crossDatabase !== 'boolean') throw bad('cross_database must be true or false');
  const description = text('description');
  return { materialized, strategy, uniqueKey, crossDatabase, tags: list('tags'), ...(description !== undefined ? { description } : {}) };
}

function isOneOf<T extends string>(values: readonly T[], v: string): v is T {
  return (values as readonly string[]).includes(v);
}

/** `a='x', b=true, c=['p', 'q']` as a map; anything else is MODEL_CONFIG_INVALID. */
function parseArguments(args: string, where: string): Map<string, ConfigValue> {
  const out = new Map<string, ConfigValue>();
  let rest = args.trim();
  const fail = (message: string) => invalid('MODEL_CONFIG_INVALID', `${where}: malformed config(${args.trim()}): ${message}; write e.g. {{ config(materialized='incremental', unique_key='id') }}`);
  while (rest.length > 0) {
    const key = /^([A-Za-z_]\w*)\s*=\s*/.exec(rest);
    if (!key?.[1]) throw fail(`expected key=value at ${JSON.stringify(rest.slice(0, 20))}`);
    if (out.has(key[1])) throw fail(`${key[1]} is given twice`);
    rest = rest.slice(key[0].length);
    const [value, after] = readValue(rest, fail);
    out.set(key[1], value);
    rest = after.trimStart();
    if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
    else if (rest.length > 0) throw fail(`expected , before ${JSON.stringify(rest.slice(0, 20))}`);
  }
  return out;
}

function readValue(text: string, fail: (m: string) => Error): [ConfigValue, string] {
  const str = /^(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/.exec(text);
  if (str) return [(str[1] ?? str[2] ?? '').replace(/\\(.)/g, '$1'), text.slice(str[0].length)];
  const word = /^(true|false|True|False|-?\d+(?:\.\d+)?)(?![\w.])/.exec(text);
  if (word?.[1]) return [/^(true|false)$/i.test(word[1]) ? word[1].toLowerCase() === 'true' : Number(word[1]), text.slice(word[0].length)];
  if (text.startsWith('[')) {
    const items: string[] = [];
    let rest = text.slice(1).trimStart();
    while (!rest.startsWith(']')) {
      const [v, after] = readValue(rest, fail);
      if (typeof v !== 'string') throw fail('a list holds quoted strings only');
      items.push(v);
      rest = after.trimStart();
      if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
      else if (!rest.startsWith(']')) throw fail('expected , or ] in a list');
    }
    return [items, rest.slice(1)];
  }
  throw fail(`expected a quoted string, true, false, a number or a list at ${JSON.stringify(text.slice(0, 20))}`);
}
