import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMayflyError } from '../core/errors.js';
import { formatCopyInto, parseCopyIntoText } from './copy-into.js';
import { DEFAULT_LANDING_FORMAT } from './landing-format.js';
import { parseOne } from './parse-test-helpers.js';
import { parseScript } from './statement-parser.js';

describe('CREATE PIPE, DROP PIPE, SHOW PIPES', () => {
  it('parses a Snowflake-style pipe with its format and copy options, in any order, commas optional', () => {
    const s = parseOne(
      `CREATE OR REPLACE PIPE staging.load_c AS COPY INTO staging.customers FROM @raw/source_a/2024-01-01/ ON_ERROR = 'CONTINUE'
       FILE_FORMAT = (TYPE = CSV, FIELD_DELIMITER = '\\t' SKIP_HEADER = 2 FIELD_OPTIONALLY_ENCLOSED_BY = NONE TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF3' COMPRESSION = gzip)
       PATTERN = '.*[.]tsv'`,
    );
    assert.deepEqual(s, {
      kind: 'create_pipe',
      name: { parts: ['staging', 'load_c'] },
      orReplace: true,
      ifNotExists: false,
      copy: {
        table: { parts: ['staging', 'customers'] },
        stage: 'raw',
        path: 'source_a/2024-01-01/',
        pattern: '.*[.]tsv',
        format: { type: 'csv', fieldDelimiter: '\t', skipHeader: 2, quote: '', timestampFormat: '%Y-%m-%d %H:%M:%S.%g', compression: 'gzip', nullIf: [] },
        onError: 'continue',
      },
    });
  });

  it('defaults to CSV, SKIP_FILE and the whole stage; formats back to text that parses to the same load', () => {
    const [s] = parseScript('create pipe if not exists p as copy into t from @raw');
    assert.ok(s?.kind === 'create_pipe');
    assert.deepEqual(s.copy, { table: { parts: ['t'] }, stage: 'raw', path: '', format: DEFAULT_LANDING_FORMAT, onError: 'skip_file' });
    const variants = [
      "COPY INTO s.t FROM '@raw/a b/*.json.gz' FILE_FORMAT = (TYPE = JSON DATE_FORMAT = '%d.%m.%Y' NULL_IF = ('-', 'NULL')) ON_ERROR = ABORT_STATEMENT",
      "COPY INTO s.\"Odd Name\" FROM @raw/x--y/ FILE_FORMAT = (TYPE = CSV FIELD_DELIMITER = '|' FIELD_OPTIONALLY_ENCLOSED_BY = '''') ON_ERROR = SKIP_FILE",
      'COPY INTO s.t FROM @raw/p/ FILE_FORMAT = (TYPE = PARQUET) ON_ERROR = CONTINUE',
    ];
    for (const text of variants) {
      const copy = parseCopyIntoText(text);
      assert.deepEqual(parseCopyIntoText(formatCopyInto(copy)), copy, text);
    }
  });

  it('parses DROP PIPE and SHOW PIPES in their forms', () => {
    assert.deepEqual(parseOne('drop pipe if exists s.p'), { kind: 'drop_pipe', name: { parts: ['s', 'p'] }, ifExists: true });
    assert.deepEqual(parseOne('show pipes'), { kind: 'show_pipes' });
    assert.deepEqual(parseOne('show pipes in database prod'), { kind: 'show_pipes', database: 'prod' });
    assert.deepEqual(parseOne('show pipes in schema prod.staging'), { kind: 'show_pipes', schema: { parts: ['prod', 'staging'] } });
    assert.deepEqual(parseOne('show pipes in staging'), { kind: 'show_pipes', schema: { parts: ['staging'] } });
  });

  it('refuses malformed definitions with a message that names the problem', () => {
    const cases: [string, RegExp][] = [
      ['create pipe p as select 1', /COPY INTO <table> after AS/],
      ['create pipe p as copy into t (a, b) from @raw', /column list is not supported/],
      ['create pipe p as copy into t from @Raw!', /unexpected character|invalid stage name/],
      ['create pipe p as copy into t from @raw/x/ pattern = .*', /quoted regular expression/],
      ['create pipe p as copy into t from @raw/x/ pattern = \'a\' pattern = \'b\'', /PATTERN is given twice/],
      ["create pipe p as copy into t from @raw/x/ file_format = (type = csv skip_header = -1)", /whole number after SKIP_HEADER/],
      ["create pipe p as copy into t from @raw/x/ file_format = (field_delimiter = '')", /FIELD_DELIMITER must be 1 to 4 characters/],
      ["create pipe p as copy into t from @raw/x/ file_format = (type = parquet compression = gzip)", /COMPRESSION does not apply to TYPE = PARQUET/],
      ["create pipe p as copy into t from @raw/x/ file_format = (format_name = 'my_csv')", /named file formats are not supported/],
      ['create pipe p as copy into t from @raw/x/ purge = true', /unknown COPY option PURGE/],
      ['create temporary pipe p as copy into t from @raw', /DATABASE, SCHEMA, TABLE, VIEW or PIPE/],
      ['drop pipe p cascade', /end of statement after the pipe name/],
    ];
    for (const [sql, message] of cases) {
      assert.throws(
        () => parseOne(sql),
        (e: unknown) => isMayflyError(e) && (e.code === 'SQL_PARSE' || e.code === 'SQL_UNSUPPORTED') && message.test(e.message),
        sql,
      );
    }
  });
});
