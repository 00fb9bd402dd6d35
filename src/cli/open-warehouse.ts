import { existsSync } from 'node:fs';
import { createMayfly, type Mayfly } from '../app/create-mayfly.js';
import { loadConfig } from '../config/mayfly-config.js';
import { notFound } from '../core/errors.js';
import type { Session } from '../warehouse/session.js';
import type { GlobalOptions } from './args.js';

/**
 * Opens the warehouse the global options point at, runs `work` and closes it.
 * Unless `create` is set, a home that does not exist or holds no database is
 * refused (a mistyped `--home` must not create an empty warehouse).
 */
export async function withMayfly<T>(options: GlobalOptions, work: (mayfly: Mayfly) => Promise<T>, create = false): Promise<T> {
  const configPath = options.config;
  const config = loadConfig({ ...(configPath ? { configPath } : {}), ...(options.home ? { home: options.home } : {}) });
  if (!create && !existsSync(config.home)) throw notInitialized(config.home);
  const mayfly = createMayfly({ home: config.home, ...(configPath ? { configPath } : {}) });
  try {
    if (!create && mayfly.warehouse.listDatabases().length === 0) throw notInitialized(config.home);
    return await work(mayfly);
  } finally {
    mayfly.close();
  }
}

/** Opens a SQL session on `db` (production by default), runs `work` and closes the session. */
export async function withSession<T>(mayfly: Mayfly, db: string | undefined, work: (session: Session) => Promise<T>): Promise<T> {
  const session = await mayfly.warehouse.session(db ?? mayfly.config.production);
  try {
    return await work(session);
  } finally {
    session.close();
  }
}

function notInitialized(home: string) {
  return notFound('NO_WAREHOUSE', `there is no warehouse at ${home}; run \`mayfly init --home ${home}\`, or point --home (or MAYFLY_HOME) at an existing one`);
}
