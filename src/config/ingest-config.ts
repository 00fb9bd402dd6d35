import { z } from 'zod';

/** The `mayfly.yaml` sections of the ingest module, as top-level keys (merged into the file's schema). */
export const ingestConfigShape = {} satisfies Record<string, z.ZodType>;
