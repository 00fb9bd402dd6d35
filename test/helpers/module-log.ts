import { register } from 'node:module';

// Passed to `node --import`: registers the hook that logs every module a process resolves.
register('./module-log-hooks.js', import.meta.url);
