/** Time as an input. Production code gets `systemClock`; tests pass a `ManualClock`. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export class ManualClock implements Clock {
  constructor(private ms: number = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}

/** ECS timestamps on the wire: epoch seconds, fraction allowed. */
export function toEpochSeconds(ms: number): number {
  return ms / 1000;
}
