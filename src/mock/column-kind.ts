import { columnType, type ColumnType, type TypeFamily } from './column-type.js';
import { isKeyName, nameWords } from './key-names.js';

/** What a column holds, inferred from its name and type; decides how its values are generated. */
export const COLUMN_KINDS = [
  // keys
  'own_key',
  'reference',
  'hash',
  // people, places, things
  'email',
  'username',
  'first_name',
  'last_name',
  'full_name',
  'company',
  'product',
  'country_code',
  'country',
  'city',
  'region',
  'postal_code',
  'street',
  'phone',
  'url',
  'domain',
  'ip_address',
  'currency',
  'status',
  'payment_method',
  'category',
  'tier',
  'job_title',
  'gender',
  'color',
  'iban',
  'description',
  'word',
  // numbers
  'year',
  'age',
  'latitude',
  'longitude',
  'rating',
  'percent',
  'quantity',
  'amount',
  'number',
  // points in time
  'birth_date',
  'load_date',
  'created_date',
  'updated_date',
  'future_date',
  'recent_date',
  'time',
  'interval',
  // the rest
  'boolean',
  'uuid',
  'blob',
  'unsupported',
] as const;
/** One of {@link COLUMN_KINDS}. */
export type ColumnKind = (typeof COLUMN_KINDS)[number];

/** How one column is filled. */
export interface ColumnPlan {
  readonly name: string;
  readonly type: ColumnType;
  readonly kind: ColumnKind;
  /** The family its values are generated as: the type's, except dates and flags kept in text columns. */
  readonly as: TypeFamily;
}

/** A name rule: a column whose words match `pattern` and whose type is one of `families` holds `kind`. */
interface Rule {
  readonly pattern: RegExp;
  readonly kind: ColumnKind;
  readonly families: readonly TypeFamily[];
}

/** A pattern matching whole words of a snake_case name (`order_amount` matches `amount`). */
function words(alternatives: string): RegExp {
  return new RegExp(`(?:^|_)(?:${alternatives})(?:_|$)`);
}

const TEXT: readonly TypeFamily[] = ['text'];
const NUMBER: readonly TypeFamily[] = ['integer', 'decimal', 'float'];
const TIME_FAMILIES: readonly TypeFamily[] = ['date', 'timestamp', 'timestamptz', 'text'];

/** Names of flags (`is_active`), kept as booleans, 0/1 or `true`/`false` text. */
const FLAG = words('is|has|can|flag|active|enabled|deleted|verified');
/** Names that say a text column holds a point in time (`signup_date`, `paid_at`). */
const DATE_LIKE = words('date|dt|day|at|on|time|timestamp|ts|dob|birthday');
/** Of those, names that say it holds a time of day too. */
const TIMESTAMP_LIKE = words('at|time|timestamp|ts');

/** Ordered: the first matching rule wins, so `email_address` is an email and `country_name` a country. */
const RULES: readonly Rule[] = [
  { pattern: words('hk|hash|hash_key|hashdiff|hash_diff|checksum|md5|sha\\d*'), kind: 'hash', families: ['text', 'blob'] },
  { pattern: words('e_?mail|email_address'), kind: 'email', families: TEXT },
  { pattern: words('user_?name|login|handle|screen_name'), kind: 'username', families: TEXT },
  { pattern: words('first_?name|given_?name|forename'), kind: 'first_name', families: TEXT },
  { pattern: words('last_?name|surname|family_?name'), kind: 'last_name', families: TEXT },
  { pattern: words('company|employer|supplier|vendor|merchant|organi[sz]ation|business'), kind: 'company', families: TEXT },
  { pattern: words('product|item'), kind: 'product', families: TEXT },
  { pattern: words('country_code|country_iso|iso_country|iso_code'), kind: 'country_code', families: TEXT },
  { pattern: words('country|nation'), kind: 'country', families: TEXT },
  { pattern: words('city|town'), kind: 'city', families: TEXT },
  { pattern: words('state|region|province|county'), kind: 'region', families: TEXT },
  { pattern: words('zip|zip_code|postal_code|postcode|post_code'), kind: 'postal_code', families: TEXT },
  { pattern: words('street|address|address_line\\d?|street_address'), kind: 'street', families: TEXT },
  { pattern: words('phone|mobile|telephone|tel|fax'), kind: 'phone', families: TEXT },
  { pattern: words('url|website|homepage|web_site'), kind: 'url', families: TEXT },
  { pattern: words('domain|hostname|host'), kind: 'domain', families: TEXT },
  { pattern: words('ip|ip_address|ipv4'), kind: 'ip_address', families: TEXT },
  { pattern: words('currency|currency_code|ccy'), kind: 'currency', families: TEXT },
  { pattern: words('status'), kind: 'status', families: TEXT },
  { pattern: words('method|payment_method|payment_type|pay_method'), kind: 'payment_method', families: TEXT },
  { pattern: words('category|department|genre'), kind: 'category', families: TEXT },
  { pattern: words('segment|tier|level|plan'), kind: 'tier', families: TEXT },
  { pattern: words('job_title|title|job|position|occupation'), kind: 'job_title', families: TEXT },
  { pattern: words('gender|sex'), kind: 'gender', families: TEXT },
  { pattern: words('colou?r'), kind: 'color', families: TEXT },
  { pattern: words('iban|account_number|bank_account'), kind: 'iban', families: TEXT },
  { pattern: words('description|desc|comments?|notes?|remarks?|text|message|summary|body|review'), kind: 'description', families: TEXT },
  { pattern: words('name|fullname'), kind: 'full_name', families: TEXT },
  { pattern: words('year|yr'), kind: 'year', families: ['integer', 'decimal'] },
  { pattern: words('age'), kind: 'age', families: NUMBER },
  { pattern: words('lat|latitude'), kind: 'latitude', families: ['decimal', 'float'] },
  { pattern: words('lon|lng|long|longitude'), kind: 'longitude', families: ['decimal', 'float'] },
  { pattern: words('rating|score|stars'), kind: 'rating', families: NUMBER },
  { pattern: words('percent|pct|percentage|discount|rate|ratio'), kind: 'percent', families: NUMBER },
  { pattern: words('quantity|qty|units|count|items|pieces'), kind: 'quantity', families: NUMBER },
  {
    pattern: words('amount|amt|price|total|cost|revenue|balance|value|fee|salary|income|paid|spend|spent|sales|tax|subtotal|charge|payment'),
    kind: 'amount',
    families: NUMBER,
  },
  { pattern: words('birth|birthday|dob|birth_date|date_of_birth|born'), kind: 'birth_date', families: TIME_FAMILIES },
  { pattern: words('load|loaded|ingested|ingest|etl|extracted|inserted'), kind: 'load_date', families: TIME_FAMILIES },
  { pattern: words('created|signup|sign_up|registered|registration|joined|since|opened|onboarded|first_seen|start|started'), kind: 'created_date', families: TIME_FAMILIES },
  { pattern: words('updated|modified|changed|last_seen|last_login'), kind: 'updated_date', families: TIME_FAMILIES },
  { pattern: words('expires?|expiry|expiration|due|valid_to|valid_until|end|ends|until|deadline|renewal'), kind: 'future_date', families: TIME_FAMILIES },
];

/** What a type holds when its name says nothing more. */
const FAMILY_DEFAULTS: Readonly<Record<TypeFamily, ColumnKind>> = {
  integer: 'number',
  decimal: 'number',
  float: 'number',
  text: 'word',
  date: 'recent_date',
  timestamp: 'recent_date',
  timestamptz: 'recent_date',
  time: 'time',
  boolean: 'boolean',
  uuid: 'uuid',
  blob: 'blob',
  interval: 'interval',
  unsupported: 'unsupported',
};

/**
 * Plans one column of a table from its name and DuckDB type. `ownKey` is the
 * table's own key column (see `ownKeyColumn`): it gets new unique ids; other
 * key columns are references to other tables.
 */
export function planColumn(name: string, typeSql: string, ownKey: string | undefined): ColumnPlan {
  const type = columnType(typeSql);
  const { family } = type;
  const snake = nameWords(name).join('_');
  const plan = (kind: ColumnKind, as: TypeFamily = family): ColumnPlan => ({ name, type, kind, as });
  if (family === 'unsupported') return plan('unsupported');
  const keyFamily = family === 'integer' || family === 'text' || family === 'uuid' || (family === 'decimal' && type.scale === 0);
  if (keyFamily && isKeyName(name)) return plan(name === ownKey ? 'own_key' : 'reference');
  if (FLAG.test(snake) && (family === 'boolean' || family === 'integer' || family === 'text')) return plan('boolean');
  if (family === 'text' && DATE_LIKE.test(snake)) {
    // A text column named like a date (`status_date`) holds ISO dates, whatever else its name says.
    const rule = RULES.find((r) => isTimeKind(r.kind) && r.pattern.test(snake));
    return plan(rule?.kind ?? 'recent_date', TIMESTAMP_LIKE.test(snake) ? 'timestamp' : 'date');
  }
  const rule = RULES.find((r) => r.families.includes(family) && r.pattern.test(snake));
  return plan(rule?.kind ?? FAMILY_DEFAULTS[family]);
}

/** Whether a kind is a point in time (its range is relative to the seed's as-of date). */
export function isTimeKind(kind: ColumnKind): boolean {
  return kind.endsWith('_date');
}
