/**
 * The versioned metadata model: a database is a ref to a commit; a commit
 * points at a root tree of schemas; a schema tree maps names to table versions
 * and views. Trees and table versions are immutable and content-addressed.
 */

/** A column of a table; `id` is stable across renames and names the column inside data files (`c<id>`). */
export interface ColumnDef {
  readonly id: number;
  readonly name: string;
  /** DuckDB type, e.g. `BIGINT`, `DECIMAL(18,2)`, `TIMESTAMP WITH TIME ZONE`. */
  readonly type: string;
}

/** An immutable Parquet data file of a table. */
export interface DataFile {
  readonly key: string;
  readonly rows: number;
  readonly bytes: number;
  /** The column ids stored in the file; columns added later read as NULL. */
  readonly columnIds: readonly number[];
}

/** A delete vector: a Parquet file of (file_key, pos) rows a table no longer sees. */
export interface DeleteFile {
  readonly key: string;
  readonly rows: number;
  readonly bytes: number;
  /** The data files it removes rows from; files it does not name are read without the anti-join. */
  readonly targets: readonly string[];
}

/** One immutable state of a table. */
export interface TableVersion {
  readonly columns: readonly ColumnDef[];
  readonly nextColumnId: number;
  readonly files: readonly DataFile[];
  readonly deletes: readonly DeleteFile[];
}

/**
 * Chunk ids of a list of file entries: `depth` 0 chunks hold entries, depth d
 * chunks hold ids of depth d-1 chunks. An id of 32 hex digits names a binary
 * chunk (`manifest:v2`, src/catalog/manifest-codec.ts), one of 64 a JSON chunk
 * written before it (`manifest:v1`); a list may hold both.
 */
export interface ManifestList {
  readonly depth: number;
  readonly chunks: readonly string[];
}

/**
 * A table version as stored: its columns and the manifests (content-addressed
 * chunks) of its data and delete files, shared with the versions before it.
 * Catalogs written before manifests store {@link TableVersion} inline.
 */
export interface StoredTableVersion {
  readonly format: 'table:v2';
  readonly columns: readonly ColumnDef[];
  readonly nextColumnId: number;
  readonly files: ManifestList;
  readonly deletes: ManifestList;
}

/** A view: its query text, bound in the view's schema. */
export interface ViewDef {
  readonly sql: string;
}

/** A pipe: the canonical text of the `COPY INTO …` that loads new stage files into a table of its database. */
export interface PipeDef {
  readonly sql: string;
}

/** A schema: table versions (by id), views and pipes, by name. */
export interface SchemaTree {
  readonly tables: Readonly<Record<string, string>>;
  readonly views: Readonly<Record<string, ViewDef>>;
  /** Absent when the schema has no pipe, so schemas without pipes keep their content ids. */
  readonly pipes?: Readonly<Record<string, PipeDef>>;
}

/** A database's content: schema trees by name. */
export interface RootTree {
  readonly schemas: Readonly<Record<string, string>>;
}

/** An immutable state of a database. */
export interface Commit {
  readonly id: string;
  readonly parent: string | null;
  /** Root tree id. */
  readonly tree: string;
  readonly createdAt: number;
  readonly message: string;
}

/** A database: a named pointer to a commit, with its lineage when it is a clone. */
export interface DatabaseRef {
  readonly name: string;
  readonly commitId: string;
  readonly createdAt: number;
  /** Set for clones: the database and commit they were taken from, and when. */
  readonly source?: { readonly database: string; readonly commitId: string; readonly at: number };
}

/** One movement of a ref, kept for time travel. */
export interface RefLogEntry {
  readonly name: string;
  /** Null when the database was dropped. */
  readonly commitId: string | null;
  readonly at: number;
  readonly reason: string;
}

/** Kinds of content-addressed metadata rows; a `manifest` is a chunk of file entries (or of chunk ids) of table versions. */
export const METADATA_KINDS = ['root', 'schema', 'table', 'manifest'] as const;
/** One of {@link METADATA_KINDS}. */
export type MetadataKind = (typeof METADATA_KINDS)[number];
