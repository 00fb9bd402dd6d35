import { isMayflyError } from '../core/errors.js';
import { randomId } from '../core/ids.js';
import { quoteIdent, quoteLiteral } from '../core/names.js';
import type { DuckEngine } from './duck-engine.js';
import { castReasonSql, castSql, firstParagraph, type LandingColumn, type LandingReject } from './landing-casts.js';
import { compressionOf, type LandingFormat } from './landing-format.js';
import { physicalName } from './table-relation.js';

export type { LandingColumn, LandingReject } from './landing-casts.js';

// A JSON line never holds these raw control characters, so the line reader never splits a line.
const LINE_DELIMITER = "E'\\x1f\\x1e\\x1d'";
/**
 * Whether an engine error is about the landing file (bad data, bad
 * compression, not Parquet) rather than the machine (a full disk, memory):
 * only the former may mark a file as unreadable for good.
 */
function isFileError(e: unknown, path: string): e is Error {
  if (!isMayflyError(e)) return false;
  return e.code === 'SQL_EXECUTION' || e.code === 'SQL_BIND' || (e.code === 'ENGINE_ERROR' && e.message.includes(path));
}

/**
 * One landing file read by the engine into typed rows of the target columns
 * and rejected rows (line, reason, raw text). CSV is read typed in one
 * streaming pass, strictly; a file with a bad row is read again with
 * DuckDB's reject tables. JSON lines are read by DuckDB's
 * JSON reader when every line is good; a file it refuses is parsed again line
 * by line, into a temporary table whose rows carry their reason for
 * rejection, as Parquet files are. A file that cannot be read at all is one
 * reject for the whole file. The engine must be allowed to read the file's directory.
 */
export class LandingScan {
  private fileError: string | undefined;
  /** Whether the rows came from the temporary table of parsed rows. */
  private parsed = false;
  /** Whether a CSV file was read keeping its rejected rows (a strict read of it failed). */
  private rejectsKept = false;
  private readonly temps: string[] = [];

  private constructor(
    private readonly engine: DuckEngine,
    private readonly path: string,
    private readonly format: LandingFormat,
    private readonly columns: readonly LandingColumn[],
    private readonly id: string,
  ) {}

  /** A scan of `path` into `columns`. */
  static open(engine: DuckEngine, path: string, format: LandingFormat, columns: readonly LandingColumn[]): LandingScan {
    return new LandingScan(engine, path, format, columns, randomId().slice(0, 16));
  }

  /** Whether the file could not be read at all (it is then one reject, and has no rows). */
  get unreadable(): boolean {
    return this.fileError !== undefined;
  }

  /**
   * Reads the file and hands the SELECT of its good rows (columns named by
   * id, `c<id>`) to `writer`; undefined when the file cannot be read. Call it
   * once, before asking for the rejects.
   */
  async writeRows<T>(writer: (selectSql: string) => Promise<T>): Promise<T | undefined> {
    const select = (from: string, value: (c: LandingColumn, i: number) => string): string =>
      `SELECT ${this.columns.map((c, i) => `${value(c, i)} AS ${physicalName(c.id)}`).join(', ')} FROM ${from}`;
    if (this.format.type === 'csv') {
      // Most files are good: read strictly, with no reject tables to fill, count and drop; a file with a bad row is read again keeping its rejects.
      try {
        return await writer(select(this.csvSource(false), (c) => quoteIdent(c.name)));
      } catch (e) {
        if (!isFileError(e, this.path)) throw e;
      }
      this.rejectsKept = true;
      return this.capture(() => writer(select(this.csvSource(true), (c) => quoteIdent(c.name))));
    }
    if (this.format.type === 'json' && this.format.nullIf.length === 0) {
      try {
        return await writer(select(this.jsonReader(), (c) => quoteIdent(c.name)));
      } catch (e) {
        // A line DuckDB's reader refuses: find every rejected line the slow way.
        if (!isFileError(e, this.path)) throw e;
      }
    }
    await this.capture(() => this.parse());
    if (this.fileError !== undefined) return undefined;
    this.parsed = true;
    return this.capture(() => writer(`${select(`temp.${this.parsedTable}`, (_, i) => `t${i}`)} WHERE reason IS NULL`));
  }

  /** Runs a read of the file; an engine error about the file becomes the file's one reject (and undefined). */
  private async capture<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (e) {
      if (!isFileError(e, this.path)) throw e;
      this.fileError = firstParagraph(e.message);
      return undefined;
    }
  }

  /** The number of rejected rows (for CSV, once the rows were written). */
  async rejectCount(): Promise<number> {
    if (this.fileError !== undefined) return 1;
    // Read strictly (CSV) or by DuckDB's JSON reader: every line was good (a bad one sends the file to another path).
    if (!this.parsed && !this.rejectsKept) return 0;
    const r = await this.engine.query(`SELECT count(*)::BIGINT AS n FROM (${this.rejectsSql()})`);
    return Number(r.rows[0]?.n ?? 0);
  }

  /** The first `limit` rejected rows, by line. */
  async rejects(limit: number): Promise<readonly LandingReject[]> {
    const r = await this.engine.query(`SELECT * FROM (${this.rejectsSql()}) ORDER BY line NULLS FIRST LIMIT ${Math.max(0, Math.floor(limit))}`);
    return r.rows.map((row) => ({ line: row.line === null ? null : Number(row.line), reason: String(row.reason), raw: row.raw === null ? null : String(row.raw) }));
  }

  /** `SELECT line, reason, raw` of every rejected row: one per line, its reasons joined. */
  rejectsSql(): string {
    if (this.fileError !== undefined) {
      return `SELECT NULL::BIGINT AS line, ${quoteLiteral(`file could not be read: ${this.fileError}`)} AS reason, NULL::VARCHAR AS raw`;
    }
    if (this.parsed) return `SELECT line, reason, raw FROM temp.${this.parsedTable} WHERE reason IS NOT NULL`;
    if (!this.rejectsKept) return 'SELECT NULL::BIGINT AS line, NULL::VARCHAR AS reason, NULL::VARCHAR AS raw WHERE false';
    const reason = `CASE WHEN error_type = 'CAST' THEN error_message ELSE lower(error_type) || ': ' || error_message END`;
    return (
      `SELECT line::BIGINT AS line, string_agg(${reason}, '; ' ORDER BY column_idx) AS reason, trim(any_value(csv_line), E'\\r\\n') AS raw ` +
      `FROM temp.${this.rejectsTable} GROUP BY line`
    );
  }

  /**
   * Drops the scan's temporary tables, in one statement. With `later`, the
   * small tables of a CSV read's rejects are added to it instead, for the
   * caller to drop with the tables of other scans ({@link dropTables}): one
   * statement for many files.
   */
  async close(later?: string[]): Promise<void> {
    const temps = this.temps.splice(0);
    const now = later ? temps.filter((t) => t === this.parsedTable) : temps;
    if (later) later.push(...temps.filter((t) => t !== this.parsedTable));
    await dropTables(this.engine, now);
  }

  private get parsedTable(): string {
    return `__mf_landing_${this.id}`;
  }

  private get rejectsTable(): string {
    return `__mf_rejects_${this.id}`;
  }

  /** `read_csv(…)` of the file, typed to the target columns: failing at a bad row, or keeping rejects in this scan's reject tables. */
  private csvSource(keepRejects: boolean): string {
    const f = this.format;
    const columns = this.columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type)}`).join(', ');
    const options = [
      `columns = {${columns}}`,
      'header = false',
      `skip = ${f.skipHeader}`,
      `delim = ${quoteLiteral(f.fieldDelimiter)}`,
      `quote = ${quoteLiteral(f.quote)}`,
      `escape = ${quoteLiteral(f.quote)}`,
      'auto_detect = false',
      `compression = ${quoteLiteral(compressionOf(this.path, f.compression))}`,
      ...(f.dateFormat !== undefined ? [`dateformat = ${quoteLiteral(f.dateFormat)}`] : []),
      ...(f.timestampFormat !== undefined ? [`timestampformat = ${quoteLiteral(f.timestampFormat)}`] : []),
      ...(f.nullIf.length > 0 ? [`nullstr = [${['', ...f.nullIf].map(quoteLiteral).join(', ')}]`] : []),
    ];
    if (keepRejects) {
      options.push('store_rejects = true', `rejects_table = ${quoteLiteral(this.rejectsTable)}`, `rejects_scan = ${quoteLiteral(`__mf_scan_${this.id}`)}`);
      this.temps.push(this.rejectsTable, `__mf_scan_${this.id}`);
    }
    return `read_csv(${quoteLiteral(this.path)}, ${options.join(', ')})`;
  }

  /** JSON lines and Parquet: every row typed, with the reason it is rejected (NULL when it is good). */
  private async parse(): Promise<void> {
    const text = this.format.type === 'json';
    const [source, values] = text ? this.jsonSource() : await this.parquetSource();
    const typed = this.columns.map((c, i) => `${castSql(values[i] ?? 'NULL', c, this.format, text)} AS t${i}`);
    const reasons = this.columns.map((c, i) => castReasonSql(values[i] ?? 'NULL', `t${i}`, c, this.format, text));
    const kept = this.columns.map((_, i) => `t${i}`).join(', ');
    this.temps.push(this.parsedTable);
    await this.engine.run(
      `CREATE TEMP TABLE ${this.parsedTable} AS SELECT line, CASE WHEN reason <> '' THEN reason END AS reason, CASE WHEN reason <> '' THEN raw END AS raw, ${kept} ` +
        `FROM (SELECT __mf_line AS line, __mf_raw AS raw, ${typed.join(', ')}, concat_ws('; ', __mf_problem, ${reasons.join(', ')}) AS reason ` +
        `FROM (${source}) WHERE NOT __mf_skip)`,
    );
  }

  /** DuckDB's JSON lines reader, typed to the target columns: fails at the first line that does not fit. */
  private jsonReader(): string {
    const f = this.format;
    const options = [
      `columns = {${this.columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type)}`).join(', ')}}`,
      "format = 'newline_delimited'",
      // read_json names "no compression" differently from read_csv.
      `compression = ${quoteLiteral(compressionOf(this.path, f.compression).replace('none', 'uncompressed'))}`,
      ...(f.dateFormat !== undefined ? [`dateformat = ${quoteLiteral(f.dateFormat)}`] : []),
      ...(f.timestampFormat !== undefined ? [`timestampformat = ${quoteLiteral(f.timestampFormat)}`] : []),
    ];
    return `read_json(${quoteLiteral(this.path)}, ${options.join(', ')})`;
  }

  /** Each line of the file as text (blank lines skipped), parsed as a JSON object of VARCHAR fields. */
  private jsonSource(): [string, string[]] {
    const f = this.format;
    const lines =
      `SELECT row_number() OVER () AS __mf_line, l AS __mf_raw FROM read_csv(${quoteLiteral(this.path)}, columns = {'l': 'VARCHAR'}, header = false, ` +
      `delim = ${LINE_DELIMITER}, quote = '', escape = '', auto_detect = false, strict_mode = false, compression = ${quoteLiteral(compressionOf(this.path, f.compression))})`;
    const shape = quoteLiteral(JSON.stringify(Object.fromEntries(this.columns.map((c) => [c.name, 'VARCHAR']))));
    const problem = `CASE WHEN NOT json_valid(__mf_raw) THEN 'not valid JSON' WHEN json_type(__mf_raw) <> 'OBJECT' THEN 'not a JSON object (' || lower(json_type(__mf_raw)) || ')' END`;
    const checked = `SELECT __mf_line, __mf_raw, coalesce(trim(__mf_raw), '') = '' AS __mf_skip FROM (${lines})`;
    const parsed =
      `SELECT __mf_line, __mf_raw, __mf_skip, __mf_problem, CASE WHEN __mf_problem IS NULL AND NOT __mf_skip THEN json_transform(__mf_raw, ${shape}) END AS __mf_v ` +
      `FROM (SELECT *, CASE WHEN NOT __mf_skip THEN ${problem} END AS __mf_problem FROM (${checked}))`;
    return [parsed, this.columns.map((c) => `struct_extract(__mf_v, ${quoteLiteral(c.name)})`)];
  }

  /** The file's rows with their row number, its columns matched to the target's by name (case-insensitive). */
  private async parquetSource(): Promise<[string, string[]]> {
    const file = `read_parquet(${quoteLiteral(this.path)}, file_row_number = true)`;
    const shape = (await this.engine.describe(`SELECT * FROM ${file}`)).filter((c) => c.name !== 'file_row_number');
    const byName = new Map(shape.map((c) => [c.name.toLowerCase(), c.name]));
    const values = this.columns.map((c) => {
      const name = byName.get(c.name.toLowerCase());
      return name === undefined ? 'NULL' : quoteIdent(name);
    });
    const fields = shape.map((c) => `${quoteLiteral(c.name)}: ${quoteIdent(c.name)}`);
    const raw = fields.length > 0 ? `to_json({${fields.join(', ')}})::VARCHAR` : 'NULL::VARCHAR';
    return [`SELECT file_row_number + 1 AS __mf_line, ${raw} AS __mf_raw, false AS __mf_skip, NULL::VARCHAR AS __mf_problem, * EXCLUDE (file_row_number) FROM ${file}`, values];
  }
}

/** Drops temporary tables of scans ({@link LandingScan.close}), in one statement. */
export async function dropTables(engine: DuckEngine, tables: readonly string[]): Promise<void> {
  if (tables.length > 0) await engine.run(tables.map((t) => `DROP TABLE IF EXISTS temp.${t};`).join('\n'));
}
