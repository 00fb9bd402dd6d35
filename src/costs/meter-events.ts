/** Event kind of a database's compute time, appended on each flush of a meter (subject: the database). */
export const COMPUTE_EVENT_KIND = 'meter-compute';
/** Event kind of a storage sample of one database (subject: the database). */
export const STORAGE_EVENT_KIND = 'meter-storage';

/** Body of a {@link COMPUTE_EVENT_KIND} event: engine time since the previous flush, stamped at its last statement. */
export interface ComputeSample {
  /** Engine milliseconds of every statement that ran against the database. */
  readonly ms: number;
  readonly statements: number;
  /** Milliseconds by purpose (`query`, `pipe`, `dag`, `deploy`, …). */
  readonly purposes: Readonly<Record<string, number>>;
}

/** Body of a {@link STORAGE_EVENT_KIND} event: the database's bytes from that moment until the next sample. */
export interface StorageSample {
  /** Bytes only this database references (retained-for-clone bytes included): what it costs on its own. */
  readonly exclusive: number;
  /** The part of `exclusive` its source dropped: kept alive only for this clone. */
  readonly retained: number;
  /** Every byte it references: what a persisted full copy of it would store. */
  readonly logical: number;
  /** Its even share of every file it holds (bytes / live holders): absent from samples taken before it was recorded. */
  readonly charged?: number;
}
