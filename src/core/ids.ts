// node:crypto is loaded on first use: listing and lifecycle commands hash nothing,
// and its twenty-odd internal modules are milliseconds of their start-up.
let loadedCrypto: typeof import('node:crypto') | undefined;
const nodeCrypto = (): typeof import('node:crypto') => (loadedCrypto ??= process.getBuiltinModule('node:crypto'));

/** A content hash of `parts` under a format tag (`commit:v1`), so identities change when formats do. */
export function contentId(format: string, ...parts: readonly string[]): string {
  const h = nodeCrypto().createHash('sha256');
  h.update(format);
  for (const p of parts) {
    h.update('\0');
    h.update(p);
  }
  return h.digest('hex');
}

/** A random identifier for temporary names (hex, 16 bytes). */
export function randomId(): string {
  return nodeCrypto().randomBytes(16).toString('hex');
}
