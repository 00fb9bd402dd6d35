import { resolve } from 'node:path';
import { notFound } from '../core/errors.js';
import type { ResolvedConfig } from '../config/mayfly-config.js';
import { LocalDirectoryStage } from './local-directory-stage.js';
import type { Stage } from './stage.js';

/** The stages pipes can name, by name. */
export class StageRegistry {
  private readonly byName: ReadonlyMap<string, Stage>;

  constructor(stages: readonly Stage[]) {
    this.byName = new Map(stages.map((s) => [s.name, s]));
  }

  /** The stages of `mayfly.yaml`, their paths relative to the file's folder. */
  static fromConfig(config: Pick<ResolvedConfig, 'project' | 'projectDir'>): StageRegistry {
    return new StageRegistry(Object.entries(config.project.stages).map(([name, s]) => new LocalDirectoryStage(name, resolve(config.projectDir, s.path))));
  }

  /** The stage `name`, or STAGE_NOT_FOUND naming the configured ones. */
  get(name: string): Stage {
    const stage = this.byName.get(name);
    if (!stage) {
      const known = [...this.byName.keys()];
      throw notFound('STAGE_NOT_FOUND', `stage @${name} is not configured (stages: ${known.join(', ') || 'none'}); add it under stages: in mayfly.yaml`);
    }
    return stage;
  }

  /** Every stage, by name. */
  list(): readonly Stage[] {
    return [...this.byName.values()];
  }
}
