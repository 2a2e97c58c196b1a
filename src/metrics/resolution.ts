/**
 * Storage tiers and CloudWatch's time rules (pure).
 *
 * Data is kept at the resolution it was put (1 s for high-resolution metrics, 60 s otherwise) and
 * rolled up at write time into every coarser tier; each tier is kept as long as CloudWatch keeps
 * data of that period: 1 s for 3 hours, 1 minute for 15 days, 5 minutes for 63 days, 1 hour for
 * 455 days. A query with period P reads the finest tier that divides P and still holds data back
 * to its start time; when none does, it returns no data points, as CloudWatch does.
 */
export interface Tier {
  readonly seconds: number;
  readonly retentionMs: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const TIERS: readonly Tier[] = [
  { seconds: 1, retentionMs: 3 * HOUR_MS },
  { seconds: 60, retentionMs: 15 * DAY_MS },
  { seconds: 300, retentionMs: 63 * DAY_MS },
  { seconds: 3600, retentionMs: 455 * DAY_MS },
];

/** The tiers a point of this storage resolution is written to: its own and every coarser one. */
export function tiersFor(storageResolution: 1 | 60): readonly Tier[] {
  return TIERS.filter((t) => t.seconds >= storageResolution);
}

/** The periods CloudWatch accepts: 1, 5, 10, 20, 30, or a multiple of 60 seconds. */
export function isValidPeriod(seconds: number): boolean {
  return Number.isInteger(seconds) && seconds > 0 && (seconds % 60 === 0 || [1, 5, 10, 20, 30].includes(seconds));
}

/**
 * CloudWatch's rounding of a query's start time: periods under a minute to a multiple of the
 * period; otherwise to the minute when it is less than 15 days ago, to 5 minutes up to 63 days
 * ago, to the hour beyond.
 */
export function alignStart(startMs: number, nowMs: number, periodSeconds: number): number {
  const floorTo = (ms: number): number => Math.floor(startMs / ms) * ms;
  if (periodSeconds < 60) return floorTo(periodSeconds * 1000);
  const age = nowMs - startMs;
  if (age < 15 * DAY_MS) return floorTo(60_000);
  if (age < 63 * DAY_MS) return floorTo(300_000);
  return floorTo(HOUR_MS);
}

/** The tier a query of this period starting at `startMs` reads, or undefined when no tier can answer it. */
export function tierForQuery(periodSeconds: number, startMs: number, nowMs: number): Tier | undefined {
  const candidates = periodSeconds % 60 === 0 ? TIERS.filter((t) => t.seconds >= 60) : TIERS.filter((t) => t.seconds === 1);
  return candidates.find((t) => periodSeconds % t.seconds === 0 && nowMs - t.retentionMs <= startMs);
}
