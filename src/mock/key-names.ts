/**
 * How the seeder reads keys from names alone (Mayfly does not enforce key
 * constraints, so names are what a schema says about joins): `customer_id`
 * names the entity `customer`, and it is the own key of a table whose name
 * mentions that entity (`staging.customers_a`, `rdv.hub_customer`).
 */

/** A name's lower-case words: `customerId` and `Customer-ID` give customer, id. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** The singular of an English plural, good enough for table names: customers, categories, addresses. */
export function singular(word: string): string {
  if (word.length > 3 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 2 && word.endsWith('s') && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

/** Whether a column name is a key by its name: `id`, `…_id` or `…_key`. */
export function isKeyName(column: string): boolean {
  const words = nameWords(column);
  const last = words[words.length - 1];
  return last === 'id' || last === 'key';
}

/** The entity a key column names (`customer_id` → [customer]); empty for a bare `id` or `key`. */
export function keyEntity(column: string): string[] {
  return nameWords(column).slice(0, -1).map(singular);
}

/** Whether the entity's words appear, in order and adjacent, among the table name's (singular) words. */
export function tableMentions(table: string, entity: readonly string[]): boolean {
  if (entity.length === 0) return false;
  const words = nameWords(table).map(singular);
  for (let i = 0; i + entity.length <= words.length; i++) {
    if (entity.every((e, j) => words[i + j] === e)) return true;
  }
  return false;
}

/**
 * The table's own key among its columns: a column named `id` (or `key`), else
 * the first key column whose entity the table's name mentions
 * (`customer_id` in `customers_a`). Every other key column refers to another table.
 */
export function ownKeyColumn(table: string, columns: readonly string[]): string | undefined {
  const keys = columns.filter(isKeyName);
  return keys.find((c) => keyEntity(c).length === 0) ?? keys.find((c) => tableMentions(table, keyEntity(c)));
}
