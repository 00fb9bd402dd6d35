/** What a session did, reported to the warehouse's activity listeners after each statement. */
export interface ActivityEvent {
  /** The database the statement wrote, or else the session's current database. */
  readonly db: string;
  /** `write` when the statement committed a change, `read` otherwise. */
  readonly kind: 'read' | 'write';
  /** Who ran it: `query` for user SQL, or the control-plane label the session was opened with (`pipe`, `dag`, …). */
  readonly purpose: string;
  /** Engine time of the statement. */
  readonly elapsedMs: number;
  /** When it ended (warehouse clock). */
  readonly at: number;
}

/** Receives activity; must be cheap and must not throw (it runs on the statement path). */
export type ActivityListener = (event: ActivityEvent) => void;
