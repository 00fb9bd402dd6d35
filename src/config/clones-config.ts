import { z } from 'zod';

/** The `mayfly.yaml` sections of the clones module, as top-level keys (merged into the file's schema). */
export const clonesConfigShape = {} satisfies Record<string, z.ZodType>;
