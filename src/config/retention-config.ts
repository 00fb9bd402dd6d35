import { z } from 'zod';

/** The `mayfly.yaml` sections of the retention module, as top-level keys (merged into the file's schema). */
export const retentionConfigShape = {} satisfies Record<string, z.ZodType>;
