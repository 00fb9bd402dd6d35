/**
 * DuckDB reports places in a query (`query_location`, an error's `position`)
 * as byte offsets into its UTF-8 text; JavaScript indexes strings by UTF-16
 * code unit. Every rewrite that uses a DuckDB position converts it here first.
 */

/** Bytes the UTF-16 code unit at `i` (with its pair, for a surrogate pair) takes in UTF-8, and how many code units it spans. */
function unitAt(text: string, i: number): { bytes: number; units: number } {
  const c = text.charCodeAt(i);
  if (c < 0x80) return { bytes: 1, units: 1 };
  if (c < 0x800) return { bytes: 2, units: 1 };
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return { bytes: 4, units: 2 };
  }
  // Other BMP characters; a lone surrogate is sent to DuckDB as U+FFFD, also 3 bytes.
  return { bytes: 3, units: 1 };
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * The string index of UTF-8 byte offset `byteOffset` in `text`, or undefined
 * when the offset falls inside a character or past the end.
 */
export function utf8OffsetToIndex(text: string, byteOffset: number): number | undefined {
  if (!Number.isInteger(byteOffset) || byteOffset < 0) return undefined;
  if (ASCII.test(text)) return byteOffset <= text.length ? byteOffset : undefined;
  let bytes = 0;
  let i = 0;
  while (bytes < byteOffset && i < text.length) {
    const u = unitAt(text, i);
    bytes += u.bytes;
    i += u.units;
  }
  return bytes === byteOffset ? i : undefined;
}

/** The UTF-8 byte offset of string index `index` in `text` (the inverse of {@link utf8OffsetToIndex}). */
export function indexToUtf8Offset(text: string, index: number): number {
  let bytes = 0;
  for (let i = 0; i < index && i < text.length; ) {
    const u = unitAt(text, i);
    bytes += u.bytes;
    i += u.units;
  }
  return bytes;
}

/**
 * A converter from UTF-8 byte offsets to string indexes for one text, for
 * callers that convert many offsets (one pass over the text, then lookups).
 */
export function utf8Indexer(text: string): (byteOffset: number) => number | undefined {
  if (ASCII.test(text)) return (b) => (Number.isInteger(b) && b >= 0 && b <= text.length ? b : undefined);
  const byByte = new Map<number, number>();
  let bytes = 0;
  let i = 0;
  byByte.set(0, 0);
  while (i < text.length) {
    const u = unitAt(text, i);
    bytes += u.bytes;
    i += u.units;
    byByte.set(bytes, i);
  }
  return (b) => byByte.get(b);
}

/** The bytes DuckDB's parser reads as a space: U+00A0, U+2000–U+200B, U+202F, U+205F, U+2060, U+3000, U+FEFF. */
function unicodeSpaceLength(b: Uint8Array, pos: number): number {
  const [c, d, e] = [b[pos], b[pos + 1], b[pos + 2]];
  if (c === 0xc2 && d === 0xa0) return 2;
  if (c === 0xe2 && d === 0x80 && e !== undefined && ((e >= 0x80 && e <= 0x8b) || e === 0xaf)) return 3;
  if (c === 0xe2 && d === 0x81 && (e === 0x9f || e === 0xa0)) return 3;
  if (c === 0xe3 && d === 0x80 && e === 0x80) return 3;
  if (c === 0xef && d === 0xbb && e === 0xbf) return 3;
  return 0;
}

const isTagStart = (c: number | undefined): boolean => c !== undefined && ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c >= 0x80);
const isTagPart = (c: number | undefined): boolean => isTagStart(c) || (c !== undefined && c >= 0x30 && c <= 0x39);

/**
 * Where DuckDB's parser replaces a Unicode space by one ASCII space before
 * parsing (outside quotes, dollar quotes and `--` comments, as its
 * `StripUnicodeSpaces` scans): byte position and length in `utf8`. DuckDB's
 * locations count bytes of the text after that replacement.
 */
function unicodeSpaces(utf8: Uint8Array): { pos: number; bytes: number }[] {
  const out: { pos: number; bytes: number }[] = [];
  const n = utf8.length;
  let pos = 0;
  // Mirrors the scan's bounds exactly (`pos + 2 < n` while reading code), so the offsets agree at the very end too.
  regular: while (pos + 2 < n) {
    const c = utf8[pos] as number;
    const len = unicodeSpaceLength(utf8, pos);
    if (len > 0) {
      out.push({ pos, bytes: len });
    } else if (c === 0x22 || c === 0x27) {
      const quote = c;
      for (pos++; pos + 1 < n; pos++) {
        if (utf8[pos] !== quote) continue;
        if (utf8[pos + 1] === quote) {
          pos++;
          continue;
        }
        pos++;
        continue regular;
      }
      break;
    } else if (c === 0x24 && (utf8[pos + 1] === 0x24 || isTagStart(utf8[pos + 1]))) {
      const start = ++pos;
      let tag: Uint8Array | undefined;
      for (; pos + 2 < n; pos++) {
        if (utf8[pos] === 0x24) {
          tag = utf8.subarray(start, pos);
          break;
        }
        if (!isTagPart(utf8[pos])) continue regular;
      }
      if (tag === undefined) break;
      for (; pos + 2 < n; pos++) {
        if (utf8[pos] === 0x24 && n - (pos + 1) >= tag.length + 1 && utf8[pos + tag.length + 1] === 0x24 && tag.every((t, k) => utf8[pos + 1 + k] === t)) {
          pos += tag.length + 1;
          continue regular;
        }
      }
      break;
    } else if (c === 0x2d && utf8[pos + 1] === 0x2d) {
      for (; pos < n; pos++) {
        if (utf8[pos] === 0x0a || utf8[pos] === 0x0d) continue regular;
      }
      break;
    }
    pos++;
  }
  return out;
}

/**
 * A converter from DuckDB's locations in `sql` (bytes of its UTF-8 text
 * after DuckDB replaced Unicode spaces by ASCII ones) to string indexes of
 * `sql`; undefined when a location falls inside a character.
 */
export function duckdbLocationIndexer(sql: string): (location: number) => number | undefined {
  const toIndex = utf8Indexer(sql);
  if (ASCII.test(sql)) return toIndex;
  const spaces = unicodeSpaces(Buffer.from(sql, 'utf8'));
  if (spaces.length === 0) return toIndex;
  return (location) => {
    let byte = location;
    for (const s of spaces) {
      // Each replaced space is one byte in DuckDB's text and `s.bytes` in ours.
      if (s.pos < byte) byte += s.bytes - 1;
      else break;
    }
    return toIndex(byte);
  };
}

/**
 * The string index of the `codePoints`-th code point of `text`: DuckDB's
 * parse errors (`position`) count characters as PostgreSQL's scanner does,
 * not bytes. Past the end gives `text.length`.
 */
export function codePointOffsetToIndex(text: string, codePoints: number): number {
  let index = 0;
  for (let n = 0; n < codePoints && index < text.length; n++) {
    const c = text.charCodeAt(index);
    const next = text.charCodeAt(index + 1);
    index += c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
  }
  return index;
}
