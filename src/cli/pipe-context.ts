import type { Mayfly } from '../app/create-mayfly.js';
import { PipeService } from '../ingest/pipe-service.js';
import { StageRegistry } from '../ingest/stage-registry.js';
import type { GlobalOptions } from './args.js';
import { withMayfly } from './open-warehouse.js';

/** The `--db` option of the pipe commands. */
export const DB_OPTION = { db: { type: 'string' } } as const;
/** Its help line. */
export const DB_HELP = '  --db DB     the database (default: production)';

/** Opens the warehouse and the pipes of the configured stages; runs `work` with the chosen database (production by default). */
export async function withPipes<T>(values: GlobalOptions & { db?: string | undefined }, work: (pipes: PipeService, db: string, mayfly: Mayfly) => Promise<T>): Promise<T> {
  return withMayfly(values, async (mayfly) => {
    const db = values.db ?? mayfly.config.production;
    mayfly.warehouse.requireRef(db);
    return work(new PipeService(mayfly.warehouse, StageRegistry.fromConfig(mayfly.config)), db, mayfly);
  });
}
