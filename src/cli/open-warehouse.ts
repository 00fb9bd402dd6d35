import { createMayfly, hasWarehouse, type Mayfly } from '../app/create-mayfly.js';
import { loadConfig } from '../config/mayfly-config.js';
import { notFound } from '../core/errors.js';
import type { Session, SessionOptions } from '../warehouse/session.js';
import type { GlobalOptions } from './args.js';

/**
 * Opens the warehouse the global options point at, runs `work` and closes it.
 * Unless `create` is set, a home without a warehouse catalog is refused (a
 * mistyped `--home` must not create an empty warehouse).
 */
export async function withMayfly<T>(options: GlobalOptions, work: (mayfly: Mayfly) => Promise<T>, create = false): Promise<T> {
  const config = loadConfig({ ...(options.config ? { configPath: options.config } : {}), ...(options.home ? { home: options.home } : {}) });
  if (!create && !hasWarehouse(config.home)) throw notInitialized(config.home);
  const mayfly = createMayfly({ config });
  try {
    return await work(mayfly);
  } finally {
    mayfly.close();
  }
}

/** Opens a SQL session on `db` (production by default), runs `work` and closes the session. */
export async function withSession<T>(mayfly: Mayfly, db: string | undefined, work: (session: Session) => Promise<T>, options: SessionOptions = {}): Promise<T> {
  const session = await mayfly.warehouse.session(db ?? mayfly.config.production, options);
  try {
    return await work(session);
  } finally {
    session.close();
  }
}

function notInitialized(home: string) {
  return notFound('NO_WAREHOUSE', `there is no warehouse at ${home}; run \`mayfly init --home ${home}\`, or point --home (or MAYFLY_HOME) at an existing one`);
}
