/**
 * The statements Mayfly understands, as parsed from user SQL. Expressions and
 * queries stay as SQL text (`…Sql` fields) and are checked and run by DuckDB;
 * only the outer structure that Mayfly must act on is parsed here.
 */

import type { CopyInto } from './copy-into.js';

/** A possibly qualified object name: `[database.][schema.]name`, each part normalised. */
export interface ObjectName {
  /** 1 to 3 parts, outermost first; unquoted identifiers are lower-cased, quoted ones kept as written. */
  readonly parts: readonly string[];
}

/** `AT (TIMESTAMP => <expr>)`: the expression's SQL text, evaluated later as a TIMESTAMPTZ. */
export interface AtClause {
  readonly timestampSql: string;
}

/** `… CLONE source [AT (TIMESTAMP => …)]`. */
export interface CloneClause {
  readonly source: ObjectName;
  readonly at?: AtClause;
}

/** Fields every statement has. */
interface StatementBase {
  /** The statement's own text, trimmed, without the closing `;`. */
  readonly text: string;
  /** Character offset of the statement in the script it came from. */
  readonly offset: number;
}

/** A column change of ALTER TABLE. */
export type AlterAction =
  | { readonly kind: 'add_column'; readonly column: string; readonly typeSql: string; readonly ifNotExists: boolean }
  | { readonly kind: 'drop_column'; readonly column: string; readonly ifExists: boolean }
  | { readonly kind: 'rename_column'; readonly from: string; readonly to: string }
  | { readonly kind: 'rename_table'; readonly to: string };

/** One parsed statement. */
export type Statement = StatementBase &
  (
    | { readonly kind: 'query'; readonly sql: string; readonly explain: boolean }
    | { readonly kind: 'create_database'; readonly name: string; readonly ifNotExists: boolean; readonly orReplace: boolean; readonly clone?: CloneClause }
    | { readonly kind: 'drop_database'; readonly name: string; readonly ifExists: boolean }
    | { readonly kind: 'swap_database'; readonly name: string; readonly other: string }
    | { readonly kind: 'use'; readonly name: ObjectName }
    | { readonly kind: 'create_schema'; readonly name: ObjectName; readonly ifNotExists: boolean; readonly orReplace: boolean; readonly clone?: CloneClause }
    | { readonly kind: 'drop_schema'; readonly name: ObjectName; readonly ifExists: boolean; readonly cascade: boolean }
    | {
        readonly kind: 'create_table';
        readonly name: ObjectName;
        readonly ifNotExists: boolean;
        readonly orReplace: boolean;
        /** `(col type, …)` including the parentheses, when columns are given. */
        readonly columnsSql?: string;
        /** The query of `AS <query>`. */
        readonly asQuery?: string;
        readonly clone?: CloneClause;
      }
    | { readonly kind: 'drop_table'; readonly name: ObjectName; readonly ifExists: boolean }
    | { readonly kind: 'alter_table'; readonly name: ObjectName; readonly ifExists: boolean; readonly action: AlterAction }
    | { readonly kind: 'create_view'; readonly name: ObjectName; readonly orReplace: boolean; readonly ifNotExists: boolean; readonly query: string }
    | { readonly kind: 'drop_view'; readonly name: ObjectName; readonly ifExists: boolean }
    | {
        readonly kind: 'insert';
        readonly table: ObjectName;
        readonly columns?: readonly string[];
        /** `VALUES (…), (…)` or a query. */
        readonly source: string;
      }
    | {
        readonly kind: 'update';
        readonly table: ObjectName;
        readonly alias?: string;
        readonly assignments: readonly { readonly column: string; readonly valueSql: string }[];
        /** The text after FROM (other relations), when present. */
        readonly fromSql?: string;
        readonly whereSql?: string;
      }
    | { readonly kind: 'delete'; readonly table: ObjectName; readonly alias?: string; readonly usingSql?: string; readonly whereSql?: string }
    | { readonly kind: 'begin' }
    | { readonly kind: 'commit' }
    | { readonly kind: 'rollback' }
    | { readonly kind: 'show'; readonly what: 'databases' | 'schemas' | 'tables'; readonly in?: ObjectName }
    | { readonly kind: 'describe'; readonly name: ObjectName }
    | { readonly kind: 'create_pipe'; readonly name: ObjectName; readonly orReplace: boolean; readonly ifNotExists: boolean; readonly copy: CopyInto }
    | { readonly kind: 'drop_pipe'; readonly name: ObjectName; readonly ifExists: boolean }
    /** `SHOW PIPES [IN DATABASE db | IN [SCHEMA] [db.]schema]`: every schema of the current database by default. */
    | { readonly kind: 'show_pipes'; readonly database?: string; readonly schema?: ObjectName }
  );

/** The `kind` of a statement. */
export type StatementKind = Statement['kind'];
