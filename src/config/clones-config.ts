import { z } from 'zod';
import { parseDuration } from '../core/duration.js';
import { SCOPE_KINDS, type ScopeKind } from '../clones/clone-record.js';

/** What happens to a clone when its TTL runs out: removed, or reset from its source with a new TTL. */
export const AT_EXPIRY_ACTIONS = ['destroy', 'refresh'] as const;
/** One of {@link AT_EXPIRY_ACTIONS}. */
export type AtExpiryAction = (typeof AT_EXPIRY_ACTIONS)[number];

/** What `reap` does when a clone nears its retention deadline. */
export const RETENTION_ACTIONS = ['refresh', 'destroy', 'warn'] as const;
/** One of {@link RETENTION_ACTIONS}. */
export type RetentionAction = (typeof RETENTION_ACTIONS)[number];

/** The clone events hooks can subscribe to. */
export const CLONE_EVENTS = ['created', 'expiring', 'expired', 'refreshed', 'destroyed', 'retention-near'] as const;
/** One of {@link CLONE_EVENTS}. */
export type CloneEvent = (typeof CLONE_EVENTS)[number];

/** The placeholders a clone naming pattern may use. */
export const NAME_PLACEHOLDERS = ['scope', 'id', 'slug', 'owner'] as const;

const DURATION = /^\s*\d+(\.\d+)?\s*(ms|s|m|h|d|w)\s*$/;
const duration = z.string().refine((s) => DURATION.test(s), { message: 'a duration such as 12h, 7d or 2w' });

/** The default policy of each scope kind: squads work in sprints, families and cross-family exercises run longer with fewer clones. */
const POLICY_DEFAULTS: Readonly<Record<ScopeKind, { defaultTtl: string; maxTtl: string; maxActive: number; idleExpiry: string }>> = {
  squad: { defaultTtl: '14d', maxTtl: '30d', maxActive: 10, idleExpiry: '7d' },
  family: { defaultTtl: '14d', maxTtl: '45d', maxActive: 5, idleExpiry: '10d' },
  'cross-family': { defaultTtl: '21d', maxTtl: '60d', maxActive: 3, idleExpiry: '14d' },
};

function policySchema(kind: ScopeKind) {
  const d = POLICY_DEFAULTS[kind];
  return z
    .strictObject({
      defaultTtl: duration.default(d.defaultTtl),
      maxTtl: duration.default(d.maxTtl),
      maxActive: z.number().int().min(1, 'at least 1').default(d.maxActive),
      idleExpiry: z.union([duration, z.literal('never')], { error: 'a duration such as 7d, or never' }).default(d.idleExpiry),
      warningLead: duration.default('2d'),
      atExpiry: z.enum(AT_EXPIRY_ACTIONS).default('destroy'),
      beforeRetentionDeadline: z.enum(RETENTION_ACTIONS).default('refresh'),
      retentionLead: duration.default('1d'),
    })
    .refine((p) => !DURATION.test(p.defaultTtl) || !DURATION.test(p.maxTtl) || parseDuration(p.defaultTtl) <= parseDuration(p.maxTtl), {
      message: 'defaultTtl must not exceed maxTtl',
      path: ['defaultTtl'],
    })
    .prefault({});
}

const scopesSchema = z
  .strictObject(
    { squad: policySchema('squad'), family: policySchema('family'), 'cross-family': policySchema('cross-family') },
    { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown scope kind ${iss.keys.join(', ')} (allowed: ${SCOPE_KINDS.join(', ')})` : undefined) },
  )
  .prefault({});

const namingSchema = z
  .string()
  .refine((p) => p.includes('{slug}'), { message: 'the pattern must contain {slug}, so one scope can have several clones' })
  .refine((p) => [...p.matchAll(/\{([^}]*)\}/g)].every((m) => (NAME_PLACEHOLDERS as readonly string[]).includes(m[1] ?? '')), {
    message: `placeholders are ${NAME_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
  })
  .refine((p) => new Set(p.match(/\{[a-z]+\}/g)).size === (p.match(/\{[a-z]+\}/g) ?? []).length, { message: 'each placeholder at most once' })
  .refine((p) => /^[a-z0-9_$]*$/.test(p.replace(/\{[a-z]+\}/g, '')), { message: 'outside placeholders, only lower-case letters, digits, _ and $' })
  .default('{scope}_{id}_{slug}');

const hookSchema = z
  .strictObject({
    /** The events it runs on (default: all). */
    events: z.array(z.enum(CLONE_EVENTS)).min(1).optional(),
    /** A shell command: the JSON payload on standard input and in MAYFLY_EVENT. */
    command: z.string().min(1).optional(),
    /** An HTTP(S) URL the JSON payload is POSTed to. */
    url: z.url({ protocol: /^https?$/, error: 'an http or https URL' }).optional(),
    timeout: duration.default('10s'),
  })
  .refine((h) => (h.command === undefined) !== (h.url === undefined), { message: 'a hook has either command or url (exactly one)' });

/** The `mayfly.yaml` sections of the clones module, as top-level keys (merged into the file's schema). */
export const clonesConfigShape = {
  clones: z.strictObject({ naming: namingSchema, scopes: scopesSchema }).prefault({}),
  hooks: z.array(hookSchema).default([]),
} satisfies Record<string, z.ZodType>;

/** The validated `clones:` section. */
export type ClonesConfig = z.infer<(typeof clonesConfigShape)['clones']>;
/** One scope kind's policy as written in `mayfly.yaml` (durations as text). */
export type ScopePolicyConfig = ClonesConfig['scopes'][ScopeKind];
/** One validated entry of `hooks:`. */
export type HookConfig = z.infer<typeof hookSchema>;
