import { createHash, randomBytes } from 'node:crypto';

/** A content hash of `parts` under a format tag (`commit:v1`), so identities change when formats do. */
export function contentId(format: string, ...parts: readonly string[]): string {
  const h = createHash('sha256');
  h.update(format);
  for (const p of parts) {
    h.update('\0');
    h.update(p);
  }
  return h.digest('hex');
}

/** A random identifier for temporary names (hex, 16 bytes). */
export function randomId(): string {
  return randomBytes(16).toString('hex');
}
