import { z } from 'zod';

/** The `mayfly.yaml` sections of the orchestrate module, as top-level keys (merged into the file's schema). */
export const orchestrateConfigShape = {} satisfies Record<string, z.ZodType>;
