import type { Session } from '../warehouse/session.js';

/**
 * Runs `work` (statements of `session`) so that Ctrl-C (SIGINT) interrupts
 * the statement running at that moment instead of killing the process: the
 * statement fails with SQL_INTERRUPTED, nothing of it is applied, and the
 * session stays usable. A second Ctrl-C before the statement has stopped
 * quits at once (exit 130), as a stuck process must still be stoppable.
 */
export async function interruptibly<T>(session: Session, work: () => Promise<T>, onInterrupt?: () => void): Promise<T> {
  let pressed = false;
  const onSignal = (): void => {
    if (pressed) process.exit(130);
    pressed = true;
    onInterrupt?.();
    session.engine.interrupt();
  };
  process.on('SIGINT', onSignal);
  try {
    return await work();
  } finally {
    process.off('SIGINT', onSignal);
    // An interrupt that came after the last statement ended must not stop the next one.
    session.engine.clearInterrupt();
  }
}
