import { appendFileSync } from 'node:fs';

// Passed to `node --import` beside module-log.js: at exit, appends `node:NAME`
// for every built-in module the process loaded, however it was loaded (an
// import, a require inside a package, process.getBuiltinModule), to the file
// named by MAYFLY_MODULE_LOG.
process.on('exit', () => {
  const log = process.env.MAYFLY_MODULE_LOG;
  if (!log) return;
  const list = (process as unknown as { moduleLoadList?: readonly string[] }).moduleLoadList ?? [];
  const names = list.filter((m) => m.startsWith('NativeModule ')).map((m) => `node:${m.slice('NativeModule '.length)}\n`);
  appendFileSync(log, names.join(''));
});
