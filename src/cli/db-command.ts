import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { databaseJson, describeSource } from './database-json.js';
import { withMayfly } from './open-warehouse.js';
import { formatBytes, formatCount, formatFields, formatTable, formatTime, inElapsed, plural } from './output.js';

/** `mayfly db list`: every database with its source, table count and times. */
export const dbListCommand: Command = {
  words: ['db', 'list'],
  options: {},
  summary: 'list the databases (production and clones)',
  help: `Usage: mayfly db list

Lists every database: its source (for clones), tables, and when it was created
and last changed.

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, {});
    expectPositionals(positionals, []);
    await withMayfly(values, async ({ warehouse }) => {
      const dbs = warehouse.listDatabases();
      if (out.json) return out.printJson(dbs.map(databaseJson));
      const columns = [{ header: 'name' }, { header: 'source' }, { header: 'tables', align: 'right' as const }, { header: 'created' }, { header: 'updated' }];
      out.line(formatTable(columns, dbs.map((d) => [d.name, describeSource(d), formatCount(d.tables), formatTime(d.createdAt), formatTime(d.updatedAt)])));
      out.line(`(${plural(dbs.length, 'database')})`);
    });
  },
};

/** `mayfly db show NAME`: one database and its tables with rows, files and bytes. */
export const dbShowCommand: Command = {
  words: ['db', 'show'],
  options: {},
  summary: 'show a database and its tables (rows, files, bytes)',
  help: `Usage: mayfly db show NAME

Shows a database (source, commit, times) and its tables and views with their
rows, files and bytes.

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, {});
    expectPositionals(positionals, ['NAME']);
    const name = positionals[0] ?? '';
    await withMayfly(values, async ({ warehouse, config }) => {
      const info = warehouse.database(name);
      const tables = warehouse.tables(name);
      if (out.json) return out.printJson({ ...databaseJson(info), objects: tables });
      out.line(
        formatFields([
          ['database', `${info.name}${info.name === config.production ? ' (production)' : ''}`],
          ['source', describeSource(info)],
          ['commit', info.commitId.slice(0, 12)],
          ['created', formatTime(info.createdAt)],
          ['updated', formatTime(info.updatedAt)],
          ['contents', `${plural(info.schemas, 'schema')}, ${plural(info.tables, 'table')}, ${plural(info.views, 'view')}`],
        ]),
      );
      if (tables.length === 0) return;
      out.line();
      const columns = [
        { header: 'object' },
        { header: 'kind' },
        { header: 'rows', align: 'right' as const },
        { header: 'files', align: 'right' as const },
        { header: 'bytes', align: 'right' as const },
        { header: 'columns', align: 'right' as const },
      ];
      const rows = tables.map((t) =>
        t.kind === 'view'
          ? [`${t.schema}.${t.name}`, t.kind, '', '', '', '']
          : [`${t.schema}.${t.name}`, t.kind, formatCount(t.rows), formatCount(t.files), formatBytes(t.bytes), formatCount(t.columns)],
      );
      out.line(formatTable(columns, rows));
    });
  },
};

/** `mayfly db drop NAME`: drops a database; production is refused. */
export const dbDropCommand: Command = {
  words: ['db', 'drop'],
  options: {},
  summary: 'drop a database (never production); its files go at the next gc',
  help: `Usage: mayfly db drop NAME

Drops a database and everything created in it. Production cannot be dropped.
Files other databases or the time-travel window still use are kept; \`mayfly gc\`
removes the rest.

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, {});
    expectPositionals(positionals, ['NAME']);
    const name = positionals[0] ?? '';
    await withMayfly(values, async ({ warehouse }) => {
      const { elapsedMs } = warehouse.dropDatabase(name);
      if (out.json) out.printJson({ dropped: name, elapsedMs });
      else out.line(`dropped database ${name}${inElapsed(elapsedMs)}`);
    });
  },
};
