import { invalid } from '../core/errors.js';
import { DEFAULT_MODEL_CONFIG, parseModelConfig, type ModelConfig } from './model-config.js';
import { lineOf } from './sql-text.js';

/** A piece of a model's template. */
type Part =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'ref'; readonly name: string; readonly line: number }
  | { readonly kind: 'this' }
  | { readonly kind: 'if_incremental'; readonly negated: boolean; readonly then: readonly Part[]; readonly otherwise: readonly Part[] };

/** A model file's template, parsed once: its configuration, the models it refers to, and its parts to render. */
export interface ModelTemplate {
  readonly config: ModelConfig;
  /** Names given to `ref()`, in order of appearance (as written: `layer.name` or `name`). */
  readonly refs: readonly { readonly name: string; readonly line: number }[];
  readonly parts: readonly Part[];
}

/** What rendering a template needs to know. */
export interface RenderContext {
  /** Whether the model adds to an existing table (an incremental model's table exists and no full refresh). */
  readonly isIncremental: boolean;
  /** SQL for the model's own table (`{{ this }}`). */
  readonly self: string;
  /** SQL for the model a `ref()` names, as written. */
  readonly ref: (name: string) => string;
}

const TAG = /\{\{(-?)([\s\S]*?)(-?)\}\}|\{%(-?)([\s\S]*?)(-?)%\}|\{#[\s\S]*?#\}/g;

/**
 * Parses a model's template: `{{ ref('layer.name') }}`, `{{ this }}`,
 * `{{ config(…) }}` (once), `{% if [not] is_incremental() %} … [{% else %} …] {% endif %}`
 * and `{# comments #}`; `-` inside a tag's braces trims the whitespace beside it.
 * Anything else in braces is MODEL_TEMPLATE_INVALID, naming the file and line.
 */
export function parseModelTemplate(text: string, where: string): ModelTemplate {
  const tokens = tokenize(text, where);
  let config: ModelConfig | undefined;
  const refs: { name: string; line: number }[] = [];
  let i = 0;
  const bad = (line: number, message: string) => invalid('MODEL_TEMPLATE_INVALID', `${where}:${line}: ${message}`);

  const parseBlock = (inside: boolean): { parts: Part[]; end: 'else' | 'endif' | 'eof' } => {
    const parts: Part[] = [];
    while (i < tokens.length) {
      const t = tokens[i++];
      if (!t) break;
      if (t.kind === 'text') {
        parts.push({ kind: 'text', text: t.text });
        continue;
      }
      const body = t.body.trim();
      if (t.kind === 'expr') {
        const ref = /^ref\(\s*(?:'([^']*)'|"([^"]*)")\s*(?:,\s*(?:'([^']*)'|"([^"]*)")\s*)?\)$/.exec(body);
        const cfg = /^config\(([\s\S]*)\)$/.exec(body);
        if (ref) {
          const first = ref[1] ?? ref[2] ?? '';
          const second = ref[3] ?? ref[4];
          const name = (second !== undefined ? `${first}.${second}` : first).toLowerCase();
          refs.push({ name, line: t.line });
          parts.push({ kind: 'ref', name, line: t.line });
        } else if (body === 'this') parts.push({ kind: 'this' });
        else if (cfg) {
          if (config) throw bad(t.line, 'config(…) is given twice; put every setting in one config(…)');
          if (inside) throw bad(t.line, 'config(…) cannot be inside {% if %}');
          config = parseModelConfig(cfg[1] ?? '', `${where}:${t.line}`);
        } else throw bad(t.line, `unknown expression {{ ${body} }} (models may use ref('layer.name'), this, config(…))`);
        continue;
      }
      const cond = /^if\s+(not\s+)?is_incremental\(\)$/.exec(body);
      if (cond) {
        const then = parseBlock(true);
        let otherwise: Part[] = [];
        if (then.end === 'else') {
          const rest = parseBlock(true);
          if (rest.end !== 'endif') throw bad(t.line, '{% if %} has no {% endif %}');
          otherwise = rest.parts;
        } else if (then.end !== 'endif') throw bad(t.line, '{% if %} has no {% endif %}');
        parts.push({ kind: 'if_incremental', negated: cond[1] !== undefined, then: then.parts, otherwise });
      } else if (body === 'else' || body === 'endif') {
        if (!inside) throw bad(t.line, `{% ${body} %} without {% if %}`);
        return { parts, end: body };
      } else throw bad(t.line, `unknown tag {% ${body} %} (models may use {% if is_incremental() %}, {% else %}, {% endif %})`);
    }
    return { parts, end: 'eof' };
  };
  const { parts } = parseBlock(false);
  return { config: config ?? DEFAULT_MODEL_CONFIG, refs, parts };
}

/** Renders a parsed template to SQL. */
export function renderModelTemplate(template: ModelTemplate, context: RenderContext): string {
  const render = (parts: readonly Part[]): string =>
    parts
      .map((p) => {
        switch (p.kind) {
          case 'text':
            return p.text;
          case 'ref':
            return context.ref(p.name);
          case 'this':
            return context.self;
          case 'if_incremental':
            return render(context.isIncremental !== p.negated ? p.then : p.otherwise);
        }
      })
      .join('');
  return render(template.parts);
}

type Token = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'expr' | 'stmt'; readonly body: string; readonly line: number };

/** Splits text into plain text and tags, applying `-` whitespace trimming; an unclosed tag is an error. */
function tokenize(text: string, where: string): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  let trimNext = false;
  for (const m of text.matchAll(TAG)) {
    const at = m.index;
    let before = text.slice(last, at);
    if (trimNext) before = before.trimStart();
    const trimBefore = m[1] === '-' || m[4] === '-';
    if (trimBefore) before = before.trimEnd();
    if (before) tokens.push({ kind: 'text', text: before });
    const line = lineOf(text, at);
    if (m[2] !== undefined) tokens.push({ kind: 'expr', body: m[2], line });
    else if (m[5] !== undefined) tokens.push({ kind: 'stmt', body: m[5], line });
    trimNext = m[3] === '-' || m[6] === '-';
    last = at + m[0].length;
  }
  let tail = text.slice(last);
  if (trimNext) tail = tail.trimStart();
  const open = /\{\{|\{%|\{#/.exec(tail);
  if (open) throw invalid('MODEL_TEMPLATE_INVALID', `${where}:${lineOf(text, last + open.index)}: ${open[0]} is never closed`);
  if (tail) tokens.push({ kind: 'text', text: tail });
  return tokens;
}
