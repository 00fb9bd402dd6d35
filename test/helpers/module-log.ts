import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { pathToFileURL } from 'node:url';

// Passed to `node --import`: logs every module the process loads, to the file named by MAYFLY_MODULE_LOG.
// ES modules through a resolve hook; CommonJS and `require()`d ES modules (which bypass that hook) here.
register('./module-log-hooks.js', import.meta.url);

type ResolveFilename = (request: string, ...rest: unknown[]) => string;
const cjs = Module as unknown as { _resolveFilename: ResolveFilename };
const resolveFilename = cjs._resolveFilename;
cjs._resolveFilename = (request: string, ...rest: unknown[]): string => {
  const filename = resolveFilename(request, ...rest);
  const log = process.env.MAYFLY_MODULE_LOG;
  if (log && filename.startsWith('/')) appendFileSync(log, `${pathToFileURL(filename).href}\n`);
  return filename;
};
