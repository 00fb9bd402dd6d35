import { currentUser } from '../core/current-user.js';
import type { ResolvedConfig } from '../config/mayfly-config.js';
import { formatDuration, parseDuration } from '../core/duration.js';
import { conflict, forbidden, invalid, notFound } from '../core/errors.js';
import type { DatabaseChanges } from '../warehouse/database-changes.js';
import type { DatabaseInfo, Warehouse } from '../warehouse/warehouse.js';
import { deliverHooks, recordCloneEvent, recordCloneHistory, type HookReport } from './clone-hooks.js';
import { ensureCloneIndex, scopeMembers } from './clone-index.js';
import { checkCloneName, nearCloneNames, scopeFromName } from './clone-naming.js';
import { clonePolicy, type ClonePolicy } from './clone-policy.js';
import { archiveCloneRecord, getCloneRecord, listCloneRecords, putCloneRecord, type CloneRecord } from './clone-record.js';
import { formatScope, parseScope, type Scope } from './clone-scope.js';
import { cloneStatus, formatMoment } from './clone-status.js';
import { databaseExists, destroyInTransaction, refreshInTransaction } from './clone-transitions.js';
import type { DeploymentReplayer } from './deployment-replayer.js';

/** What `clone create` asks for. */
export interface CreateCloneRequest {
  readonly name: string;
  /** `squad:c`, `family:b`, `cross-family:irm-a`; read from the name when omitted. */
  readonly scope?: string;
  /** The database to clone (default: production). */
  readonly from?: string;
  /** TTL as text (`14d`) or milliseconds (default: the scope's defaultTtl). */
  readonly ttl?: string | number;
  readonly purpose?: string;
  readonly ticket?: string;
  /** Clone the source as of this time (ms), within the time-travel window. */
  readonly at?: number;
  readonly schemas?: readonly string[];
  /** Default: MAYFLY_USER, else the OS user. */
  readonly owner?: string;
}

/** A lifecycle change and the hooks it ran. */
export interface LifecycleResult {
  readonly record: CloneRecord;
  readonly elapsedMs: number;
  /** Hook deliveries made right after the change; failures are retried by the next reap. */
  readonly hooks: HookReport;
}

/** What `clone refresh` did. */
export interface RefreshResult extends LifecycleResult {
  readonly discarded: DatabaseChanges | null;
  /** Deployments re-applied with `reapply`, in order. */
  readonly reapplied: readonly string[];
}

/**
 * The clone lifecycle: create, extend, pin, refresh and destroy. Each change
 * and its record (and its queued hook deliveries) commit in one transaction;
 * hooks run after it, and a failing hook never undoes or blocks the change.
 * Bad input is refused before anything is written.
 */
export class CloneLifecycle {
  constructor(
    private readonly warehouse: Warehouse,
    private readonly config: ResolvedConfig,
    private readonly replayer?: DeploymentReplayer,
  ) {}

  /** Creates a zero-copy clone with its lifecycle record, within its scope's policy. */
  async create(request: CreateCloneRequest): Promise<LifecycleResult & { readonly database: DatabaseInfo }> {
    const started = performance.now();
    const { name } = request;
    const pattern = this.config.project.clones.naming;
    const scope: Scope = request.scope !== undefined ? parseScope(request.scope) : (scopeFromName(pattern, name) ?? this.unscopedName(name));
    const owner = (request.owner ?? currentUser()).trim();
    if (!owner) throw invalid('INVALID_OWNER', 'the owner is empty: pass --owner NAME or set MAYFLY_USER');
    checkCloneName(pattern, name, scope, owner);
    const policy = clonePolicy(this.config, scope.kind);
    const ttlMs = this.checkTtl(request.ttl ?? policy.defaultTtlMs, policy, 'TTL');
    const from = request.from ?? this.config.production;
    this.warehouse.requireRef(from);
    const existing = getCloneRecord(this.warehouse.control, name);
    if (existing && existing.state !== 'destroyed') throw conflict('CLONE_EXISTS', `clone ${name} already exists (owner ${existing.owner}, scope ${existing.scope}); choose another name`);
    if (databaseExists(this.warehouse, name)) throw conflict('DB_EXISTS', `database ${name} already exists; choose another name`);
    const now = this.warehouse.clock.now();
    const scopeText = formatScope(scope);
    const { database, record, deliveries } = this.warehouse.control.atomically(() => {
      this.checkActiveLimit(scopeText, policy);
      const old = getCloneRecord(this.warehouse.control, name);
      if (old?.state === 'destroyed') archiveCloneRecord(this.warehouse.control, old);
      const info = this.warehouse.cloneDatabase(name, from, { ...(request.at !== undefined ? { at: request.at } : {}), ...(request.schemas?.length ? { schemas: request.schemas } : {}) });
      const rec: CloneRecord = {
        name,
        scope: scopeText,
        scopeKind: scope.kind,
        owner,
        purpose: request.purpose ?? '',
        ...(request.ticket !== undefined ? { ticket: request.ticket } : {}),
        source: from,
        takenAt: info.source?.at ?? now,
        createdAt: now,
        expiresAt: now + ttlMs,
        lastActivityAt: now,
        refreshedAt: null,
        state: 'active',
        pinnedUntil: null,
        destroyedAt: null,
        schemas: request.schemas?.length ? [...request.schemas] : null,
        ttlMs,
        refreshes: 0,
        warned: { expiresAt: null, retentionDeadline: null },
        destroyReason: null,
        updatedAt: now,
      };
      putCloneRecord(this.warehouse.control, rec);
      const message = `clone ${name} of ${from} was created for ${scopeText} by ${owner}; it expires on ${formatMoment(rec.expiresAt)}`;
      return { database: info, record: rec, deliveries: recordCloneEvent(this.warehouse.control, this.config, 'created', rec, now, message, { ttl: formatDuration(ttlMs) }) };
    });
    const hooks = await deliverHooks(this.warehouse.control, this.warehouse.clock, deliveries);
    return { record, database, hooks, elapsedMs: performance.now() - started };
  }

  /** Moves a clone's expiry `ttl` further (from now if it already passed), within the scope's maximum TTL. */
  async extend(name: string, ttl: string | number): Promise<LifecycleResult> {
    const started = performance.now();
    const record = this.requireLive(name, 'extend');
    const policy = clonePolicy(this.config, record.scopeKind);
    const byMs = this.checkTtl(ttl, policy, 'extension');
    const now = this.warehouse.clock.now();
    const expiresAt = Math.max(record.expiresAt, now) + byMs;
    if (expiresAt - now > policy.maxTtlMs) {
      const room = Math.max(0, policy.maxTtlMs - (Math.max(record.expiresAt, now) - now));
      throw invalid(
        'TTL_TOO_LONG',
        `extending ${name} by ${formatDuration(byMs)} would make it expire on ${formatMoment(expiresAt)}, but ${policy.kind} clones may expire at most ` +
          `${this.maxTtlText(policy)} from now (clones.scopes.${policy.kind}.maxTtl); extend by at most ${formatDuration(room)}, or pin it with \`mayfly clone pin ${name} --until DATE\``,
      );
    }
    const next = this.update(name, { expiresAt, state: cloneStatus({ ...record, expiresAt }, policy, now).state }, now, {
      event: 'extended',
      message: `clone ${name} now expires on ${formatMoment(expiresAt)}`,
      details: { by: formatDuration(byMs), expiresAt: new Date(expiresAt).toISOString() },
    });
    return { record: next, hooks: { sent: 0, failed: [] }, elapsedMs: performance.now() - started };
  }

  /** Leases a clone until `until`: reap leaves it alone before then (the retention action still applies). */
  async pin(name: string, until: number): Promise<LifecycleResult> {
    const started = performance.now();
    this.requireLive(name, 'pin');
    const now = this.warehouse.clock.now();
    if (until <= now) throw invalid('INVALID_PIN', `--until ${new Date(until).toISOString()} is not in the future; a lease must end later than now`);
    const next = this.update(name, { pinnedUntil: until }, now, {
      event: 'pinned',
      message: `clone ${name} is pinned until ${formatMoment(until)}`,
      details: { until: new Date(until).toISOString() },
    });
    return { record: next, hooks: { sent: 0, failed: [] }, elapsedMs: performance.now() - started };
  }

  /** Ends a clone's lease (no-op when it has none). */
  async unpin(name: string): Promise<LifecycleResult> {
    const started = performance.now();
    const record = this.requireLive(name, 'unpin');
    const now = this.warehouse.clock.now();
    const next =
      record.pinnedUntil === null ? record : this.update(name, { pinnedUntil: null }, now, { event: 'unpinned', message: `clone ${name} is no longer pinned`, details: {} });
    return { record: next, hooks: { sent: 0, failed: [] }, elapsedMs: performance.now() - started };
  }

  /**
   * Resets a clone to its source's latest state, atomically, keeping its name,
   * record, lease and everything keyed by its name (grants, settings); reports
   * what was discarded. With `reapply`, the clone's own deployments are
   * captured before and re-applied after.
   */
  async refresh(name: string, options: { readonly reapply?: boolean; readonly reason?: string } = {}): Promise<RefreshResult> {
    const started = performance.now();
    const record = this.requireLive(name, 'refresh');
    if (options.reapply && !this.replayer) {
      throw invalid('REAPPLY_UNAVAILABLE', 'this Mayfly has no deployment replayer wired, so --reapply cannot re-apply deployments; refresh without --reapply and deploy again');
    }
    this.warehouse.requireRef(record.source);
    const captured = options.reapply && this.replayer ? await this.replayer.capture(name, record.source) : undefined;
    const now = this.warehouse.clock.now();
    const outcome = this.warehouse.control.atomically(() => {
      const current = this.requireLive(name, 'refresh');
      return refreshInTransaction(this.warehouse, this.config, current, now, options.reason ?? `requested by ${currentUser()}`);
    });
    const reapplied = options.reapply && this.replayer ? await this.replayer.replay(name, captured) : [];
    const hooks = await deliverHooks(this.warehouse.control, this.warehouse.clock, outcome.deliveries);
    return { record: outcome.record, discarded: outcome.discarded, reapplied, hooks, elapsedMs: performance.now() - started };
  }

  /** Drops a clone and everything created in it; refuses production and databases Mayfly did not clone. */
  async destroy(name: string, options: { readonly reason?: string } = {}): Promise<LifecycleResult & { readonly dropped: boolean }> {
    const started = performance.now();
    if (name === this.config.production || name === this.warehouse.settings.production) {
      throw forbidden('PROD_PROTECTED', `${name} is the production database; Mayfly never destroys it`);
    }
    const outcome = this.warehouse.control.atomically(() => {
      const record = this.requireLive(name, 'destroy');
      return destroyInTransaction(this.warehouse, this.config, record, this.warehouse.clock.now(), options.reason ?? `destroyed by ${currentUser()}`);
    });
    const hooks = await deliverHooks(this.warehouse.control, this.warehouse.clock, outcome.deliveries);
    return { record: outcome.record, dropped: outcome.dropped, hooks, elapsedMs: performance.now() - started };
  }

  /** The record of a clone that is not destroyed, or a clear error: not a clone, unknown, or destroyed. */
  requireLive(name: string, action: string): CloneRecord {
    const record = this.requireRecord(name, action);
    if (record.state === 'destroyed') {
      throw conflict(
        'CLONE_DESTROYED',
        `clone ${name} was destroyed on ${formatMoment(record.destroyedAt ?? record.updatedAt)} (${record.destroyReason ?? 'destroyed'}); cannot ${action} it — create a new one with \`mayfly clone create\``,
      );
    }
    return record;
  }

  /** The record of a clone, destroyed ones included, or a clear error: not a clone, or unknown. */
  requireRecord(name: string, action = 'show'): CloneRecord {
    const record = getCloneRecord(this.warehouse.control, name);
    if (!record) {
      if (databaseExists(this.warehouse, name)) {
        const why = name === this.config.production ? 'it is the production database' : 'it has no clone record: it was not made by `mayfly clone create`';
        throw forbidden('NOT_A_CLONE', `cannot ${action} ${name}: ${why}. Mayfly manages only the clones it created${name === this.config.production ? '' : `; use \`mayfly db drop ${name}\` to drop it`}`);
      }
      const near = nearCloneNames(this.warehouse.control, name);
      throw notFound('CLONE_NOT_FOUND', `clone ${name} does not exist${near.length ? ` (clones with a similar name: ${near.join(', ')})` : ''}; \`mayfly clone list\` lists the clones`);
    }
    return record;
  }

  private update(name: string, change: Partial<CloneRecord>, now: number, history: Parameters<typeof recordCloneHistory>[3]): CloneRecord {
    return this.warehouse.control.atomically(() => {
      const current = getCloneRecord(this.warehouse.control, name);
      // Re-read inside the transaction: a reap or another user may have changed it since.
      if (!current || current.state === 'destroyed') throw conflict('CLONE_DESTROYED', `clone ${name} was destroyed meanwhile`);
      const next: CloneRecord = { ...current, ...change, updatedAt: now };
      putCloneRecord(this.warehouse.control, next);
      recordCloneHistory(this.warehouse.control, name, now, history);
      return next;
    });
  }

  private checkTtl(ttl: string | number, policy: ClonePolicy, what: string): number {
    const ms = typeof ttl === 'number' ? ttl : parseDuration(ttl, '--ttl');
    if (!(ms > 0)) throw invalid('INVALID_TTL', `the ${what} must be longer than zero`);
    if (ms > policy.maxTtlMs) {
      throw invalid(
        'TTL_TOO_LONG',
        `${what === 'extension' ? 'an' : 'a'} ${what} of ${typeof ttl === 'string' ? ttl : formatDuration(ms)} is longer than the maximum for ${policy.kind} clones: ${this.maxTtlText(policy)} (clones.scopes.${policy.kind}.maxTtl in mayfly.yaml); use --ttl ${this.maxTtlText(policy)} or less`,
      );
    }
    return ms;
  }

  private maxTtlText(policy: ClonePolicy): string {
    return this.config.project.clones.scopes[policy.kind].maxTtl;
  }

  private checkActiveLimit(scope: string, policy: ClonePolicy): void {
    const store = this.warehouse.control;
    // The scope's own index record, not every clone's: the check costs the same with 10 clones or 10,000.
    ensureCloneIndex(store, () => listCloneRecords(store));
    const live = scopeMembers(store, scope);
    if (live.length >= policy.maxActive) {
      throw conflict(
        'CLONE_LIMIT',
        `${scope} already has ${live.length} clones (${live.join(', ')}), the maximum for ${policy.kind} scopes (clones.scopes.${policy.kind}.maxActive = ${policy.maxActive}); destroy one first`,
      );
    }
  }

  private unscopedName(name: string): never {
    const pattern = this.config.project.clones.naming;
    const sample: Readonly<Record<string, string>> = { scope: 'squad', id: 'c', owner: 'ann', slug: 'sprint42' };
    const example = pattern.replace(/\{([a-z]+)\}/g, (_, p: string) => sample[p] ?? p);
    throw invalid(
      'INVALID_CLONE_NAME',
      `clone name ${JSON.stringify(name)} does not follow the naming pattern ${pattern} (clones.naming in mayfly.yaml), so it names no scope: ` +
        `{scope} is squad, family or cross_family and {id} the scope's id, e.g. ${example} for scope squad:c; or pass --scope`,
    );
  }
}
