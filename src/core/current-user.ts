import { userInfo } from 'node:os';

/** Who runs Mayfly, as recorded on clones, deployments and DAG runs: MAYFLY_USER, else the OS user. */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.MAYFLY_USER?.trim();
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? 'unknown';
  }
}
