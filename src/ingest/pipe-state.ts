import type { ControlStore } from '../warehouse/control-store.js';

/** Whether a pipe loads in a database: `running` pipes are loaded by `pipe run` and may be refreshed; `paused` ones are not. */
export const PIPE_STATES = ['running', 'paused'] as const;
/** One of {@link PIPE_STATES}. */
export type PipeState = (typeof PIPE_STATES)[number];

/** The control-store record kind of pipe states (key `db/schema.pipe`). */
export const PIPE_STATE_KIND = 'pipe-state';

/** A pipe's state in one database: not versioned, so a clone starts with every pipe paused. */
export interface PipeStateRecord {
  readonly state: PipeState;
  /** When it entered the state. */
  readonly since: number;
  /**
   * When the database was created: a record left by a dropped database of
   * the same name (a re-made clone) does not apply to the new one.
   */
  readonly databaseCreatedAt: number;
  /** Why the pipe last stopped loading (an aborted file), if it did. */
  readonly lastError?: { readonly file: string; readonly message: string; readonly at: number };
  /** When it last loaded a file. */
  readonly lastLoadAt?: number;
}

/** The record key of pipe `schema.name` in database `db`. */
export function pipeStateKey(db: string, pipe: string): string {
  return `${db}/${pipe}`;
}

/** A pipe's state in a database; paused when there is no record (a new pipe, or any pipe of a new clone). */
export function readPipeState(store: ControlStore, db: string, databaseCreatedAt: number, pipe: string): PipeStateRecord {
  const r = store.getRecord<PipeStateRecord>(PIPE_STATE_KIND, pipeStateKey(db, pipe));
  return r && r.databaseCreatedAt === databaseCreatedAt ? r : { state: 'paused', since: databaseCreatedAt, databaseCreatedAt };
}

/** Changes a pipe's state record (read and written in one catalog transaction). */
export function updatePipeState(
  store: ControlStore,
  db: string,
  databaseCreatedAt: number,
  pipe: string,
  change: (current: PipeStateRecord) => PipeStateRecord,
): PipeStateRecord {
  return store.atomically(() => {
    const next = change(readPipeState(store, db, databaseCreatedAt, pipe));
    store.putRecord(PIPE_STATE_KIND, pipeStateKey(db, pipe), next);
    return next;
  });
}
