import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { forbidden, invalid, notFound } from '../core/errors.js';
import { SYSTEM_SCHEMA } from '../warehouse/session.js';
import { parseScriptStatements, isDatabaseStatement, namedWriteDatabase, scriptStatementTexts, type Statement } from '../warehouse/script-statements.js';
import { lineOf, maskLiteralsAndComments } from './sql-text.js';

/** Kinds of deployment script: applied once in version order, or re-applied whenever its text changes. */
export const SCRIPT_KINDS = ['versioned', 'repeatable'] as const;
/** One of {@link SCRIPT_KINDS}. */
export type ScriptKind = (typeof SCRIPT_KINDS)[number];

/** A migration script: `V<version>__<description>.sql` or `R__<description>.sql`. */
export interface DeploymentScript {
  /** The file name, e.g. `V1__create_staging.sql`. */
  readonly name: string;
  readonly kind: ScriptKind;
  /** `1`, `1.2`, `2026.03.01`; null for repeatable scripts. */
  readonly version: string | null;
  /** The name's description, underscores as spaces. */
  readonly description: string;
  /** SHA-256 of the text (line endings normalised to LF). */
  readonly checksum: string;
  readonly text: string;
}

const VERSIONED = /^V(\d+(?:[._]\d+)*)__(\w[\w.-]*)\.sql$/;
const REPEATABLE = /^R__(\w[\w.-]*)\.sql$/;

/**
 * Reads the scripts of a folder: versioned ones in version order, then
 * repeatable ones by name. Other files are ignored; a `.sql` file named
 * neither way, or two scripts of one version, is an error naming them, and
 * nothing is applied.
 */
export function readDeploymentScripts(dir: string): DeploymentScript[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw notFound('DEPLOY_DIR_NOT_FOUND', `deployment folder ${dir} does not exist; give the folder of V<n>__name.sql and R__name.sql scripts`);
  }
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.sql'))
    .map((e) => e.name)
    .sort();
  const bad = files.filter((f) => !VERSIONED.test(f) && !REPEATABLE.test(f));
  if (bad.length > 0) {
    throw invalid(
      'DEPLOY_BAD_SCRIPT_NAME',
      `cannot tell how to apply ${bad.join(', ')}: name scripts V<version>__<description>.sql (applied once, e.g. V1__create_staging.sql, V1_1__add_index.sql) or R__<description>.sql (re-applied when changed)`,
    );
  }
  return sortScripts(files.map((f) => scriptFromText(f, readFileSync(join(dir, f), 'utf8'))));
}

/** A script from its file name and text (also used to replay scripts kept in a deployment log). */
export function scriptFromText(name: string, text: string): DeploymentScript {
  const v = VERSIONED.exec(name);
  const r = REPEATABLE.exec(name);
  const description = (v?.[2] ?? r?.[1] ?? '').replaceAll('_', ' ');
  if (!v && !r) throw invalid('DEPLOY_BAD_SCRIPT_NAME', `${name} is not named V<version>__<description>.sql or R__<description>.sql`);
  const version = v?.[1] ? v[1].replaceAll('_', '.') : null;
  return { name, kind: version === null ? 'repeatable' : 'versioned', version, description, checksum: scriptChecksum(text), text };
}

/** Versioned scripts by version, then repeatable ones by name; two scripts of one version are DEPLOY_DUPLICATE_VERSION. */
export function sortScripts(scripts: readonly DeploymentScript[]): DeploymentScript[] {
  const versioned = scripts.filter((s) => s.version !== null).sort((a, b) => compareVersions(a.version ?? '', b.version ?? ''));
  for (let i = 1; i < versioned.length; i++) {
    const [a, b] = [versioned[i - 1], versioned[i]];
    if (a && b && compareVersions(a.version ?? '', b.version ?? '') === 0) {
      throw invalid('DEPLOY_DUPLICATE_VERSION', `${a.name} and ${b.name} both have version ${b.version}; give each script its own version`);
    }
  }
  const repeatable = scripts.filter((s) => s.version === null).sort((a, b) => a.name.localeCompare(b.name));
  return [...versioned, ...repeatable];
}

/** Compares versions part by part as numbers (`1.10` after `1.9`; `1` equals `1.0`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The checksum of a script's text: SHA-256 hex, line endings normalised so a checkout on Windows does not change it. */
export function scriptChecksum(text: string): string {
  return createHash('sha256').update(text.replace(/\r\n?/g, '\n')).digest('hex');
}

/** Whether a script holds no statement (only comments, blanks and `;`), as the session splits it. */
export function isEmptyScript(text: string): boolean {
  try {
    return scriptStatementTexts(text).length === 0;
  } catch {
    // Unterminated text is not empty: the session reports it when the script runs.
    return false;
  }
}

/** The databases a deployment may name: its target, and production (whose name the session redirects to the target). */
export interface DeploymentDatabases {
  readonly target: string;
  readonly production: string;
}

/**
 * Refuses what a deployment script may not do, before any script of the
 * deployment is applied: its own BEGIN/COMMIT/ROLLBACK (Mayfly runs each script
 * as one transaction with its log entry), database-level statements (CREATE,
 * DROP, ALTER … SWAP DATABASE), changing or switching to a database other than
 * the target, naming the system schema (which holds the deployment log and load
 * history), and reading files. Statements are those the session will run (one
 * tokenizer and parser for both), so none hides behind quotes the check reads
 * differently. This is the early, readable refusal; the guarantee is the
 * session, which runs the script as user SQL (`asUser`) confined to the target (`writeOnly`).
 */
export function checkDeploymentScript(script: DeploymentScript, databases?: DeploymentDatabases): void {
  let statements: readonly Statement[] = [];
  try {
    statements = parseScriptStatements(script.text);
  } catch {
    // A script the session cannot parse runs nothing; it fails with the parser's message when applied.
  }
  for (const s of statements) {
    const at = `${script.name}:${lineOf(script.text, s.offset)}`;
    if (s.kind === 'begin' || s.kind === 'commit' || s.kind === 'rollback') {
      const word = /^\s*(\w+)/.exec(s.text)?.[1]?.toUpperCase() ?? s.kind.toUpperCase();
      throw invalid('DEPLOY_SCRIPT_TRANSACTION', `${at}: remove ${word}: Mayfly runs each script as one transaction, together with its entry in the deployment log`);
    }
    if (isDatabaseStatement(s)) {
      throw forbidden(
        'DEPLOY_DATABASE_STATEMENT',
        `${at}: ${statementHead(s.text)} is not allowed in a deployment script: a script changes the contents of its target database only (create, clone, swap and drop databases with \`mayfly clone\` and \`mayfly db\`)`,
      );
    }
    const named = namedWriteDatabase(s);
    if (databases && named !== undefined && named !== databases.target && named !== databases.production) {
      throw forbidden('DEPLOY_OTHER_DATABASE', `${at}: ${statementHead(s.text)} changes database ${named}; a deployment to ${databases.target} changes ${databases.target} only`);
    }
  }
  const code = maskLiteralsAndComments(script.text, { keepQuotes: true }).toLowerCase();
  if (new RegExp(`\\b${SYSTEM_SCHEMA}\\b`).test(code)) {
    throw forbidden('DEPLOY_SCRIPT_FORBIDDEN', `${script.name}: a deployment script may not name the system schema ${SYSTEM_SCHEMA} (it holds the deployment log and the pipes' load history)`);
  }
  const file = /\b(read_\w+|\w+_scan|glob|parquet_\w+|sniff_csv|getenv|query_table|query)\s*\(|\b(?:from|join)\s+'/.exec(code);
  if (file) {
    throw forbidden('DEPLOY_SCRIPT_FORBIDDEN', `${script.name}: ${file[1] ?? 'a file path'} reads files; deployment scripts change schemas and data of their database only (load files with a pipe)`);
  }
}

/** The first words of a statement, for messages (never its literals). */
function statementHead(text: string): string {
  return (/^[\s\w.]*/.exec(text)?.[0] ?? '').replace(/\s+/g, ' ').trim().split(' ').slice(0, 4).join(' ');
}
