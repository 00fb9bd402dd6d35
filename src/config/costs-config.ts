import { z } from 'zod';

/** The `mayfly.yaml` sections of the costs module, as top-level keys (merged into the file's schema). */
export const costsConfigShape = {} satisfies Record<string, z.ZodType>;
