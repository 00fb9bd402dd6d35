import { isMayflyError } from '../core/errors.js';

/**
 * Runs `work` again (up to `attempts` times in all) while it loses commit races
 * with WRITE_CONFLICT, which applied nothing. `work` must re-read whatever it
 * decides on, so each attempt acts on the winner's state.
 */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      if (!isMayflyError(e, 'WRITE_CONFLICT') || attempt >= attempts) throw e;
      // A little jitter, so two losers do not collide again at once.
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
    }
  }
}
