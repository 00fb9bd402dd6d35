/**
 * A project directory for clone lifecycle tests: mayfly.yaml with small
 * policies and a shell hook that appends each payload to hooks.log, and a
 * warehouse under it. Shared by the tests and the reap worker they kill.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMayfly, FakeClock, loadConfig } from '../../src/index.js';
import type { Clock, Mayfly } from '../../src/index.js';
import { TEST_SETTINGS } from '../helpers/warehouse.js';

/** Policies small enough to reason about: squads 14d (max 30d, 3 at once, idle 7d); families refresh at expiry. */
export const LIFECYCLE_YAML = `
clones:
  scopes:
    squad: { defaultTtl: 14d, maxTtl: 30d, maxActive: 3, idleExpiry: 7d, warningLead: 2d, retentionLead: 1d }
    family: { defaultTtl: 10d, maxTtl: 20d, atExpiry: refresh, idleExpiry: never, warningLead: 1d }
    cross-family: { beforeRetentionDeadline: destroy, maxActive: 500, idleExpiry: never }
hooks:
  - command: cat >> hooks.log && echo >> hooks.log
`;

/** A project: its directory, mayfly.yaml and warehouse home. */
export interface Project {
  readonly dir: string;
  readonly configPath: string;
  readonly home: string;
}

/** Creates a project directory with `yaml` as mayfly.yaml (removed by {@link removeProject}). */
export function makeProject(yaml: string = LIFECYCLE_YAML): Project {
  const dir = mkdtempSync(join(tmpdir(), 'mayfly-lifecycle-'));
  const configPath = join(dir, 'mayfly.yaml');
  writeFileSync(configPath, yaml);
  return { dir, configPath, home: join(dir, 'home') };
}

/** Opens Mayfly on a project with test settings and `clock`. */
export function openProject(project: Project, clock: Clock): Mayfly {
  const config = loadConfig({ configPath: project.configPath, home: project.home });
  return createMayfly({ config, clock, settings: TEST_SETTINGS });
}

/** The payloads the shell hook wrote, in order. */
export function hookLog(project: Project): { id: string; event: string; clone: string; message: string; details: Record<string, unknown> }[] {
  const file = join(project.dir, 'hooks.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { id: string; event: string; clone: string; message: string; details: Record<string, unknown> });
}

/** Runs `fn` on a fresh project with a fake clock (production initialised), then removes it. */
export async function withProject<T>(fn: (p: Project & { mayfly: Mayfly; clock: FakeClock }) => Promise<T>, yaml: string = LIFECYCLE_YAML): Promise<T> {
  const project = makeProject(yaml);
  const clock = new FakeClock(Date.now());
  const mayfly = openProject(project, clock);
  try {
    mayfly.warehouse.init();
    return await fn({ ...project, mayfly, clock });
  } finally {
    mayfly.close();
    removeProject(project);
  }
}

/** Removes a project directory. */
export function removeProject(project: Project): void {
  rmSync(project.dir, { recursive: true, force: true });
}
