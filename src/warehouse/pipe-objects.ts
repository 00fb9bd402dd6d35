import { conflict, forbidden, invalid, notFound } from '../core/errors.js';
import { checkName } from '../core/names.js';
import { formatCopyInto, parseCopyIntoText, type CopyInto } from '../sql/copy-into.js';
import type { Statement } from '../sql/statements.js';
import { SYSTEM_SCHEMA, type Outcome, type Session } from './session.js';
import type { Warehouse } from './warehouse.js';
import type { WorkingTree } from './working-tree.js';

export type { CopyInto } from '../sql/copy-into.js';
export { COMPRESSIONS, FILE_TYPES, ON_ERROR_ACTIONS, type Compression, type FileType, type LandingFormat, type OnError } from '../sql/landing-format.js';
export { formatCopyInto } from '../sql/copy-into.js';

type PipeStatement = Extract<Statement, { kind: 'create_pipe' | 'drop_pipe' | 'show_pipes' }>;

/** A pipe of a database: its name and its load, whose table is `schema.table` of the same database. */
export interface PipeInfo {
  readonly schema: string;
  readonly name: string;
  readonly copy: CopyInto;
  /** The canonical `COPY INTO …` text. */
  readonly definition: string;
}

/** `CREATE PIPE`, `DROP PIPE`, `SHOW PIPES`: pipes are objects of a database, cloned and time-travelled with it. */
export async function runPipeStatement(session: Session, s: PipeStatement): Promise<Outcome> {
  switch (s.kind) {
    case 'create_pipe': {
      const q = session.qualify(s.name);
      const [schema, table] = targetTable(s.copy.table.parts, q);
      if (schema === SYSTEM_SCHEMA) throw forbidden('SYSTEM_SCHEMA_READ_ONLY', `a pipe cannot load into ${q.db}.${SYSTEM_SCHEMA}, which holds Mayfly's records; nothing was applied`);
      const definition = formatCopyInto({ ...s.copy, table: { parts: [schema, table] } });
      return session.mutate(q.db, s.text, async (tree) => {
        if (!tree.schemas.has(q.schema)) throw notFound('SCHEMA_NOT_FOUND', `schema ${q.db}.${q.schema} does not exist; CREATE SCHEMA ${q.schema} first`);
        if (tree.object(schema, table)?.kind !== 'table') {
          throw notFound('TABLE_NOT_FOUND', `pipe ${q.schema}.${q.name} would load into ${q.db}.${schema}.${table}, which is not a table; create the table first`);
        }
        const existing = tree.pipe(q.schema, q.name);
        if (existing && s.ifNotExists) return done(`pipe ${q.db}.${q.schema}.${q.name} already exists`);
        if (existing && !s.orReplace) throw conflict('PIPE_EXISTS', `pipe ${q.db}.${q.schema}.${q.name} already exists; use CREATE OR REPLACE PIPE to change it`);
        tree.setPipe(q.schema, q.name, { sql: definition });
        return done(`pipe ${q.db}.${q.schema}.${q.name} ${existing ? 'replaced' : 'created'}: loads @${s.copy.stage}/${s.copy.path} into ${schema}.${table} (paused until \`mayfly pipe resume\`)`);
      });
    }
    case 'drop_pipe': {
      const q = session.qualify(s.name);
      return session.mutate(q.db, s.text, async (tree) => {
        if (!tree.pipe(q.schema, q.name)) {
          if (s.ifExists) return done(`pipe ${q.db}.${q.schema}.${q.name} does not exist`);
          throw notFound('PIPE_NOT_FOUND', `pipe ${q.db}.${q.schema}.${q.name} does not exist`);
        }
        tree.dropPipe(q.schema, q.name);
        return done(`pipe ${q.db}.${q.schema}.${q.name} dropped (its load history stays in ${SYSTEM_SCHEMA}.load_history)`);
      });
    }
    case 'show_pipes': {
      const [first, second] = s.schema?.parts ?? [];
      const db = s.database ?? (second !== undefined ? first : undefined) ?? session.database;
      const schema = second ?? first;
      session.warehouse.requireRef(db);
      const pipes = pipesOf(session.snapshot(db).tree).filter((p) => schema === undefined || p.schema === schema);
      const columns = ['schema', 'name', 'table', 'stage', 'path', 'pattern', 'type', 'on_error', 'definition'] as const;
      return {
        kind: 'rows',
        columns: columns.map((name) => ({ name, type: 'VARCHAR' })),
        rows: pipes.map((p) => ({
          schema: p.schema,
          name: p.name,
          table: p.copy.table.parts.join('.'),
          stage: p.copy.stage,
          path: p.copy.path,
          pattern: p.copy.pattern ?? null,
          type: p.copy.format.type.toUpperCase(),
          on_error: p.copy.onError.toUpperCase(),
          definition: p.definition,
        })),
      };
    }
  }
}

/** The pipes of database `db` as it is now, by schema and name. */
export function listPipes(warehouse: Warehouse, db: string): readonly PipeInfo[] {
  return pipesOf(warehouse.tree(warehouse.requireRef(db).commitId));
}

/** The pipes of a tree, by schema and name. */
export function pipesOf(tree: WorkingTree): PipeInfo[] {
  const out: PipeInfo[] = [];
  for (const [schema, s] of [...tree.schemas].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [name, def] of [...(s.pipes ?? [])].sort(([a], [b]) => a.localeCompare(b))) {
      out.push({ schema, name, copy: parseCopyIntoText(def.sql), definition: def.sql });
    }
  }
  return out;
}

/** The pipe's table as `[schema, table]` of the pipe's own database: a pipe never loads elsewhere, so it works the same in every clone. */
function targetTable(parts: readonly string[], pipe: { db: string; schema: string }): [string, string] {
  const [a = '', b, c] = parts;
  if (c !== undefined && a !== pipe.db) {
    throw invalid('PIPE_CROSS_DATABASE', `a pipe loads into a table of its own database (${pipe.db}), not ${parts.join('.')}; write schema.table so the pipe works the same in every clone`);
  }
  const [schema, table] = c !== undefined ? [b ?? '', c] : b !== undefined ? [a, b] : [pipe.schema, a];
  return [checkName(schema, 'schema'), checkName(table, 'table')];
}

function done(message: string): Outcome {
  return { kind: 'done', message };
}
