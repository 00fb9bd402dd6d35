import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMayflyError } from '../core/errors.js';
import { parseModelTemplate, renderModelTemplate } from './model-template.js';

const throwsCode = (fn: () => unknown, code: string, message?: RegExp): void => {
  assert.throws(fn, (e: unknown) => isMayflyError(e, code) && (message === undefined || message.test(e.message)));
};

const render = (text: string, isIncremental: boolean): string =>
  renderModelTemplate(parseModelTemplate(text, 'm.sql'), { isIncremental, self: '"rdv"."hub"', ref: (n) => `<${n}>` });

describe('model templates', () => {
  it('renders refs, this and the incremental branch, and drops config and comments', () => {
    const text = `{{ config(materialized='incremental', unique_key=['a', "b"], tags=['x']) }}{# why #}
select * from {{ ref('rdv.sat') }} join {{ ref("rdv", "link") }} using (k)
{% if is_incremental() %}where t > (select max(t) from {{ this }}){% else %}where true{% endif %}`;
    const t = parseModelTemplate(text, 'm.sql');
    assert.deepEqual(t.refs.map((r) => r.name), ['rdv.sat', 'rdv.link']);
    assert.equal(t.config.materialized, 'incremental');
    assert.equal(t.config.strategy, 'merge');
    assert.deepEqual(t.config.uniqueKey, ['a', 'b']);
    assert.equal(
      render(text, true),
      '\nselect * from <rdv.sat> join <rdv.link> using (k)\nwhere t > (select max(t) from "rdv"."hub")',
    );
    assert.match(render(text, false), /where true$/);
  });

  it('trims whitespace beside tags marked with -', () => {
    assert.equal(render('select 1\n{%- if not is_incremental() -%}\n as x\n{%- endif %}', false), 'select 1as x');
  });

  it('defaults to a table and accepts booleans and descriptions', () => {
    assert.deepEqual(parseModelTemplate('select 1', 'm.sql').config, { materialized: 'table', strategy: 'append', uniqueKey: [], crossDatabase: false, tags: [] });
    const c = parseModelTemplate("{{ config(materialized='view', cross_database=True, description='d') }} select 1", 'm.sql').config;
    assert.equal(c.crossDatabase, true);
    assert.equal(c.description, 'd');
  });

  it('refuses malformed configs, naming the file, line and allowed values', () => {
    throwsCode(() => parseModelTemplate("\n{{ config(materialized='ephemeral') }}", 'a/b.sql'), 'MODEL_CONFIG_INVALID', /^a\/b\.sql:2: materialized must be one of table, view, incremental/);
    throwsCode(() => parseModelTemplate("{{ config(materialised='table') }}", 'm.sql'), 'MODEL_CONFIG_INVALID', /unknown config key materialised \(keys: materialized/);
    throwsCode(() => parseModelTemplate("{{ config(materialized='incremental', strategy='merge') }}", 'm.sql'), 'MODEL_CONFIG_INVALID', /needs unique_key/);
    throwsCode(() => parseModelTemplate("{{ config(materialized=table) }}", 'm.sql'), 'MODEL_CONFIG_INVALID', /malformed config/);
    throwsCode(() => parseModelTemplate("{{ config(materialized='table' strategy='x') }}", 'm.sql'), 'MODEL_CONFIG_INVALID', /expected ,/);
    throwsCode(() => parseModelTemplate("{{ config(materialized='table') }}{{ config(tags=['x']) }}", 'm.sql'), 'MODEL_TEMPLATE_INVALID', /given twice/);
    throwsCode(() => parseModelTemplate("{{ config(materialized='view', strategy='merge') }}", 'm.sql'), 'MODEL_CONFIG_INVALID', /incremental models only/);
  });

  it('refuses unknown tags and unbalanced blocks', () => {
    throwsCode(() => parseModelTemplate('select {{ var("x") }}', 'm.sql'), 'MODEL_TEMPLATE_INVALID', /unknown expression/);
    throwsCode(() => parseModelTemplate('{% for x in y %}{% endfor %}', 'm.sql'), 'MODEL_TEMPLATE_INVALID', /unknown tag/);
    throwsCode(() => parseModelTemplate('select 1 {% if is_incremental() %} where x', 'm.sql'), 'MODEL_TEMPLATE_INVALID', /no \{% endif %\}/);
    throwsCode(() => parseModelTemplate('select 1 {% endif %}', 'm.sql'), 'MODEL_TEMPLATE_INVALID', /without \{% if %\}/);
    throwsCode(() => parseModelTemplate('select 1\n\n{{ ref("x") ', 'm.sql'), 'MODEL_TEMPLATE_INVALID', /^m\.sql:3: \{\{ is never closed/);
  });
});
