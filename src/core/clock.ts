/** Where Mayfly reads the time; tests pass a {@link FakeClock}. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  /** Starts at the real time by default, so file times (which GC compares) and the clock agree. */
  constructor(private current: number = Date.now()) {}
  /** The fake time in milliseconds. */
  now(): number {
    return this.current;
  }
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }
  /** Sets the clock to `ms`. */
  set(ms: number): void {
    this.current = ms;
  }
}
