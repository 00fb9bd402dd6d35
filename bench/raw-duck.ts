import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** A row as JSON-friendly values. */
export type RawRow = Readonly<Record<string, unknown>>;

/**
 * Plain DuckDB without Mayfly: the baseline the benchmark compares against,
 * and the generator of its Parquet files. The only bench module that talks
 * to DuckDB directly.
 */
export class RawDuck {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  /** An in-memory DuckDB with the given threads and memory limit (the same as a Mayfly session's). */
  static async create(options: { readonly threads: number; readonly memoryLimit: string }): Promise<RawDuck> {
    const instance = await DuckDBInstance.create(':memory:', { threads: String(options.threads), memory_limit: options.memoryLimit });
    return new RawDuck(instance, await instance.connect());
  }

  /** Runs SQL that returns nothing of interest. */
  async run(sql: string): Promise<void> {
    await this.conn.run(sql);
  }

  /** Runs a query and reads every row as JSON values (what a client does with a result, as Mayfly's engine does). */
  async rows(sql: string): Promise<RawRow[]> {
    const r = await this.conn.runAndReadAll(sql);
    return r.getRowObjectsJson();
  }

  /** Closes the instance. */
  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A SQL list of string literals, e.g. the file list of `read_parquet`. */
export function sqlList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`;
}
