import { appendFileSync } from 'node:fs';

/** What a resolve hook receives and returns (the parts used here). */
interface Resolved {
  readonly url: string;
}

/**
 * A module resolve hook that appends every resolved URL to the file named by
 * MAYFLY_MODULE_LOG: start-up tests read which modules a command loaded.
 */
export async function resolve(specifier: string, context: unknown, next: (specifier: string, context: unknown) => Promise<Resolved>): Promise<Resolved> {
  const resolved = await next(specifier, context);
  const log = process.env.MAYFLY_MODULE_LOG;
  if (log) appendFileSync(log, `${resolved.url}\n`);
  return resolved;
}
