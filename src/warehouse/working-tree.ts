import { contentId } from '../core/ids.js';
import type { Catalog } from '../catalog/catalog.js';
import type { PipeDef, RootTree, SchemaTree, TableVersion, ViewDef } from '../catalog/model.js';
import { manifestsOf, type EncodedVersion } from './table-manifests.js';

/** One schema of a working tree: table version ids, views and pipes by name. */
export interface WorkingSchema {
  readonly tables: Map<string, string>;
  readonly views: Map<string, ViewDef>;
  /** Pipes live in their own namespace: a pipe may share a table's name. */
  readonly pipes?: Map<string, PipeDef>;
}

/** Changed keys of pipes are `schema/pipe:name`, apart from the tables and views they may share a name with. */
const PIPE_KEY = 'pipe:';

/** An object of a schema. */
export type SchemaObject = { readonly kind: 'table'; readonly id: string; readonly version: TableVersion } | { readonly kind: 'view'; readonly view: ViewDef };

/**
 * A mutable copy of a database's content, with the keys it changed
 * (`schema` for a schema's existence, `schema/object` for an object), so a
 * commit that lost a race can be replayed on the winner's state.
 */
export class WorkingTree {
  readonly changed = new Set<string>();
  /** New table versions of this tree, already chunked into manifests (so their ids are known). */
  private readonly fresh = new Map<string, { readonly version: TableVersion; readonly encoded: EncodedVersion }>();
  /** Files that new table versions reference and their previous versions did not: the ones a commit must check. */
  private readonly added = new Set<string>();

  private constructor(
    private readonly catalog: Catalog,
    readonly schemas: Map<string, WorkingSchema>,
  ) {}

  /** Loads the tree of a root tree id. */
  static load(catalog: Catalog, rootId: string): WorkingTree {
    const root = catalog.getMetadata<RootTree>('root', rootId);
    const schemas = new Map<string, WorkingSchema>();
    for (const [name, id] of Object.entries(root.schemas)) {
      const s = catalog.getMetadata<SchemaTree>('schema', id);
      schemas.set(name, { tables: new Map(Object.entries(s.tables)), views: new Map(Object.entries(s.views)), pipes: new Map(Object.entries(s.pipes ?? {})) });
    }
    return new WorkingTree(catalog, schemas);
  }

  /** An empty database with the `main` schema. */
  static empty(catalog: Catalog): WorkingTree {
    const t = new WorkingTree(catalog, new Map());
    t.schemas.set('main', { tables: new Map(), views: new Map() });
    return t;
  }

  /** A table version by id (fresh ones first, then the catalog). */
  tableVersion(id: string): TableVersion {
    return this.fresh.get(id)?.version ?? manifestsOf(this.catalog).read(id);
  }

  /** The table or view `schema.name`, if any. */
  object(schema: string, name: string): SchemaObject | undefined {
    const s = this.schemas.get(schema);
    const id = s?.tables.get(name);
    if (id !== undefined) return { kind: 'table', id, version: this.tableVersion(id) };
    const view = s?.views.get(name);
    return view && { kind: 'view', view };
  }

  /** The pipe `schema.name`, if any. */
  pipe(schema: string, name: string): PipeDef | undefined {
    return this.schemas.get(schema)?.pipes?.get(name);
  }

  /** Creates or replaces a pipe. */
  setPipe(schema: string, name: string, pipe: PipeDef): void {
    const s = this.requireSchema(schema);
    const pipes = s.pipes ?? new Map<string, PipeDef>();
    pipes.set(name, pipe);
    if (!s.pipes) this.schemas.set(schema, { ...s, pipes });
    this.changed.add(`${schema}/${PIPE_KEY}${name}`);
  }

  /** Removes a pipe. */
  dropPipe(schema: string, name: string): void {
    this.requireSchema(schema).pipes?.delete(name);
    this.changed.add(`${schema}/${PIPE_KEY}${name}`);
  }

  /** Sets a table to a new version; returns its id. */
  setTable(schema: string, name: string, version: TableVersion): string {
    const manifests = manifestsOf(this.catalog);
    const beforeId = this.schemas.get(schema)?.tables.get(name);
    // Read first: encoding the new version may evict the old one from the cache of assembled versions.
    const before = beforeId === undefined ? undefined : this.tableVersion(beforeId);
    // Encoded against the version it replaces, so an append re-cuts only the chunks at its end.
    const encoded = manifests.encode(version, true, before);
    // Only entries of chunks the new version made can be new; of those, drop the ones the chunks it replaced held.
    const had = new Set<string>();
    for (const e of encoded.replaced) had.add(e.key);
    for (const e of encoded.freshEntries) if (!had.has(e.key)) this.added.add(e.key);
    this.fresh.set(encoded.id, { version, encoded });
    this.setTableId(schema, name, encoded.id);
    return encoded.id;
  }

  /** Points a table at an existing version id (clones). */
  setTableId(schema: string, name: string, id: string): void {
    const s = this.requireSchema(schema);
    s.views.delete(name);
    s.tables.set(name, id);
    this.changed.add(`${schema}/${name}`);
  }

  /** Sets a view. */
  setView(schema: string, name: string, view: ViewDef): void {
    const s = this.requireSchema(schema);
    s.tables.delete(name);
    s.views.set(name, view);
    this.changed.add(`${schema}/${name}`);
  }

  /** Removes a table or view. */
  dropObject(schema: string, name: string): void {
    const s = this.requireSchema(schema);
    s.tables.delete(name);
    s.views.delete(name);
    this.changed.add(`${schema}/${name}`);
  }

  /** Creates or replaces a schema with the given content. */
  setSchema(schema: string, content: WorkingSchema): void {
    this.schemas.set(schema, { tables: new Map(content.tables), views: new Map(content.views), pipes: new Map(content.pipes ?? []) });
    this.changed.add(schema);
  }

  /** Removes a schema and everything in it. */
  dropSchema(schema: string): void {
    this.schemas.delete(schema);
    this.changed.add(schema);
  }

  /** Replays this tree's changes onto `base` (the state that won a race) and returns it. */
  replayOnto(base: WorkingTree): WorkingTree {
    for (const [id, v] of this.fresh) base.fresh.set(id, v);
    for (const key of this.added) base.added.add(key);
    for (const key of this.changed) {
      const [schema = '', name] = key.split('/');
      if (name === undefined) {
        const mine = this.schemas.get(schema);
        if (mine) base.setSchema(schema, mine);
        else base.dropSchema(schema);
        continue;
      }
      if (!base.schemas.has(schema) && this.schemas.has(schema)) base.setSchema(schema, { tables: new Map(), views: new Map() });
      if (!this.schemas.has(schema)) continue;
      if (name.startsWith(PIPE_KEY)) {
        const pipe = this.pipe(schema, name.slice(PIPE_KEY.length));
        if (pipe) base.setPipe(schema, name.slice(PIPE_KEY.length), pipe);
        else base.dropPipe(schema, name.slice(PIPE_KEY.length));
        continue;
      }
      const obj = this.object(schema, name);
      if (!obj) base.dropObject(schema, name);
      else if (obj.kind === 'table') base.setTableId(schema, name, obj.id);
      else base.setView(schema, name, obj.view);
    }
    return base;
  }

  /** Writes new table versions, schema trees and the root tree to the catalog; returns the root id. */
  persist(): string {
    const manifests = manifestsOf(this.catalog);
    for (const { encoded } of this.fresh.values()) manifests.put(encoded);
    const root: Record<string, string> = {};
    for (const name of [...this.schemas.keys()].sort()) {
      const s = this.schemas.get(name);
      if (!s) continue;
      const body: SchemaTree = { tables: sortedRecord(s.tables), views: sortedRecord(s.views), ...(s.pipes?.size ? { pipes: sortedRecord(s.pipes) } : {}) };
      const id = contentId('schema:v1', JSON.stringify(body));
      this.catalog.putMetadata('schema', id, body);
      root[name] = id;
    }
    const body: RootTree = { schemas: root };
    const id = contentId('root:v1', JSON.stringify(body));
    this.catalog.putMetadata('root', id, body);
    return id;
  }

  /** Tells the manifests that what {@link persist} wrote is durable (call after the transaction committed). */
  committed(): void {
    manifestsOf(this.catalog).committed([...this.fresh.values()].map((f) => f.encoded));
  }

  /** Data and delete files this tree's changes added (files already committed are reachable and need no check). */
  addedFileKeys(): readonly string[] {
    return [...this.added];
  }

  private requireSchema(schema: string): WorkingSchema {
    let s = this.schemas.get(schema);
    if (!s) {
      s = { tables: new Map(), views: new Map(), pipes: new Map() };
      this.schemas.set(schema, s);
      this.changed.add(schema);
    }
    return s;
  }
}

/** The keys that differ between two root trees (`schema` or `schema/object`). */
export function changedKeys(catalog: Catalog, fromRoot: string, toRoot: string): Set<string> {
  const out = new Set<string>();
  if (fromRoot === toRoot) return out;
  const a = catalog.getMetadata<RootTree>('root', fromRoot).schemas;
  const b = catalog.getMetadata<RootTree>('root', toRoot).schemas;
  for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const ia = a[name];
    const ib = b[name];
    if (ia === ib) continue;
    if (ia === undefined || ib === undefined) {
      out.add(name);
      continue;
    }
    const sa = catalog.getMetadata<SchemaTree>('schema', ia);
    const sb = catalog.getMetadata<SchemaTree>('schema', ib);
    for (const obj of new Set([...Object.keys(sa.tables), ...Object.keys(sb.tables), ...Object.keys(sa.views), ...Object.keys(sb.views)])) {
      if (sa.tables[obj] !== sb.tables[obj] || JSON.stringify(sa.views[obj]) !== JSON.stringify(sb.views[obj])) out.add(`${name}/${obj}`);
    }
    for (const pipe of new Set([...Object.keys(sa.pipes ?? {}), ...Object.keys(sb.pipes ?? {})])) {
      if (JSON.stringify(sa.pipes?.[pipe]) !== JSON.stringify(sb.pipes?.[pipe])) out.add(`${name}/${PIPE_KEY}${pipe}`);
    }
  }
  return out;
}

/** The first key both sides changed (a schema-level change overlaps everything in that schema). */
export function overlappingKey(ours: ReadonlySet<string>, theirs: ReadonlySet<string>): string | undefined {
  for (const a of ours) {
    for (const b of theirs) {
      if (a === b || b.startsWith(`${a}/`) || a.startsWith(`${b}/`)) return a;
    }
  }
  return undefined;
}

function sortedRecord<V>(m: ReadonlyMap<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of [...m.keys()].sort()) {
    const v = m.get(k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}
