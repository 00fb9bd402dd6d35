import type { Mayfly } from '../app/create-mayfly.js';
import { accessSync, constants, statSync } from 'node:fs';
import { forbidden, invalid, notFound } from '../core/errors.js';
import type { Session, SessionOptions } from '../warehouse/session.js';
import type { GlobalOptions } from './args.js';

/**
 * Opens the warehouse the global options point at, runs `work` and closes it.
 * Unless `create` is set, a home without a warehouse catalog is refused (a
 * mistyped `--home` must not create an empty warehouse).
 */
export async function withMayfly<T>(options: GlobalOptions, work: (mayfly: Mayfly) => Promise<T>, create = false): Promise<T> {
  // Imported here, not above: a command's module stays cheap to load for its help and usage errors.
  const [{ createMayfly, hasWarehouse }, { loadConfig }] = await Promise.all([import('../app/create-mayfly.js'), import('../config/mayfly-config.js')]);
  const config = loadConfig({ ...(options.config ? { configPath: options.config } : {}), ...(options.home ? { home: options.home } : {}) });
  checkHome(config.home);
  if (!create && !hasWarehouse(config.home)) throw notInitialized(config.home);
  const mayfly = openOrExplain(() => createMayfly({ config }), config.home);
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

/** Creates Mayfly, turning a home that cannot be created into a user error. */
function openOrExplain(open: () => Mayfly, home: string): Mayfly {
  try {
    return open();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR' || code === 'EEXIST') {
      throw forbidden('HOME_NO_ACCESS', `the warehouse home ${home} cannot be created or written (${code}); fix the permissions of its folder or point --home elsewhere`);
    }
    throw e;
  }
}

/** Refuses a home that is not a directory this user can read and write, saying so (a user error, not a crash). */
function checkHome(home: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(home).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw invalid('HOME_NOT_A_DIRECTORY', `the warehouse home ${home} cannot be used: a folder on its path is a file; point --home (or MAYFLY_HOME) elsewhere`);
    throw forbidden('HOME_NO_ACCESS', `the warehouse home ${home} cannot be used: ${code ?? String(e)}; fix its permissions or point --home elsewhere`);
  }
  if (!isDir) throw invalid('HOME_NOT_A_DIRECTORY', `the warehouse home ${home} is a file, not a directory; point --home (or MAYFLY_HOME) at a directory`);
  try {
    accessSync(home, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch {
    throw forbidden('HOME_NO_ACCESS', `this user may not read and write the warehouse home ${home}; fix its permissions or point --home elsewhere`);
  }
}

function notInitialized(home: string) {
  return notFound('NO_WAREHOUSE', `there is no warehouse at ${home}; run \`mayfly init --home ${home}\`, or point --home (or MAYFLY_HOME) at an existing one`);
}
