import { z } from 'zod';

/** What storage and compute cost, by default: object storage at 23 per TB-month, compute at 2 per hour, in US dollars. */
export const DEFAULT_PRICES = { currency: 'USD', storagePerTbMonth: 23, computePerHour: 2 } as const;

const price = (what: string) => z.number({ error: `a price: a number ≥ 0 (${what})` }).nonnegative(`a price: a number ≥ 0 (${what})`).finite();

/** The `mayfly.yaml` sections of the costs module, as top-level keys (merged into the file's schema). */
export const costsConfigShape = {
  prices: z
    .strictObject(
      {
        currency: z.string({ error: 'a three-letter currency code such as USD, EUR or GBP' }).regex(/^[A-Z]{3}$/, 'a three-letter currency code such as USD, EUR or GBP').default(DEFAULT_PRICES.currency),
        /** Per TB-month: 1 TB = 2^40 bytes, 1 month = 730 hours. */
        storagePerTbMonth: price('per TB-month of stored bytes').default(DEFAULT_PRICES.storagePerTbMonth),
        /** Per hour of engine time. */
        computePerHour: price('per hour of engine time').default(DEFAULT_PRICES.computePerHour),
      },
      { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key ${iss.keys.join(', ')} (allowed: currency, storagePerTbMonth, computePerHour)` : undefined) },
    )
    .prefault({}),
} satisfies Record<string, z.ZodType>;

/** The validated `prices:` section. */
export type PricesConfig = z.infer<(typeof costsConfigShape)['prices']>;
