/** Cost Explorer's TimePeriod and Granularity: the period's bounds and its hourly, daily or monthly buckets (UTC). */
import { ValidationException } from './cost-explorer-errors.js';

export type Granularity = 'HOURLY' | 'DAILY' | 'MONTHLY';

export interface Period { readonly startMs: number; readonly endMs: number }

/** Cost Explorer answers in pages; Pier answers in one, so it bounds how many buckets that is. */
export const MAX_BUCKETS = 5000;

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})Z)?$/;

function parseTime(value: string, field: string): { ms: number; withTime: boolean } {
  const m = DATE.exec(value);
  const ms = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)) : NaN;
  // Date.UTC rolls 2026-02-30 over into March; a date that does not round-trip is not a date.
  if (!m || !Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== value.slice(0, 10)) {
    throw new ValidationException(`${field} must be a date (YYYY-MM-DD) or, for HOURLY, a time (YYYY-MM-DDThh:mm:ssZ); got '${value}'`);
  }
  return { ms, withTime: m[4] !== undefined };
}

export function parsePeriod(tp: { Start: string; End: string }): Period & { withTime: boolean } {
  const start = parseTime(tp.Start, 'Start');
  const end = parseTime(tp.End, 'End');
  if (start.ms >= end.ms) throw new ValidationException('Start date (and hour) should be before end date (and hour)');
  return { startMs: start.ms, endMs: end.ms, withTime: start.withTime || end.withTime };
}

function nextBoundary(ms: number, g: Granularity): number {
  const d = new Date(ms);
  switch (g) {
    case 'HOURLY': return Math.floor(ms / 3_600_000) * 3_600_000 + 3_600_000;
    case 'DAILY': return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
    case 'MONTHLY': return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
}

/** The period cut at each hour, day or month boundary; the first and last buckets may be partial. */
export function buckets(p: Period, g: Granularity): Period[] {
  const out: Period[] = [];
  for (let s = p.startMs; s < p.endMs;) {
    const e = Math.min(nextBoundary(s, g), p.endMs);
    out.push({ startMs: s, endMs: e });
    if (out.length > MAX_BUCKETS) {
      throw new ValidationException(`The time period has more than ${MAX_BUCKETS} ${g.toLowerCase()} periods; ask for a shorter TimePeriod or a coarser Granularity`);
    }
    s = e;
  }
  return out;
}

/** A bucket bound as Cost Explorer writes it: a date, or a time for hourly answers. */
export function formatBound(ms: number, withTime: boolean): string {
  const iso = new Date(ms).toISOString();
  return withTime ? `${iso.slice(0, 19)}Z` : iso.slice(0, 10);
}
