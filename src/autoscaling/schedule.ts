/**
 * Scheduled-action schedules (pure): `at(yyyy-mm-ddThh:mm:ss)`, `rate(N unit)` and
 * `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, with `at` and `cron` read as wall
 * time in the action's Timezone (IANA name, UTC by default), as Application Auto Scaling does.
 *
 * Cron follows AWS's dialect: six fields; one of day-of-month and day-of-week is `?`;
 * day-of-week 1–7 is SUN–SAT (names allowed), months 1–12 or JAN–DEC; `*`, lists, ranges and
 * `/` steps in every field; `L` (last day) and `LW`/`nW` (nearest weekday) in day-of-month; `nL`
 * (last such weekday of the month) and `n#k` (k-th such weekday) in day-of-week.
 */
import { ValidationException } from './errors.js';

export interface WallTime { y: number; mo: number; d: number; h: number; mi: number; s: number }

interface Cron {
  minutes: number[];
  hours: number[];
  months: Set<number>;
  years: Set<number> | undefined;
  dom: { any: boolean; days: Set<number>; last: boolean; lastWeekday: boolean; nearestWeekday: number[] } | undefined;
  dow: { days: Set<number>; last: number[]; nth: [number, number][] } | undefined;
}

export type Schedule =
  | { readonly kind: 'at'; readonly wall: WallTime }
  | { readonly kind: 'rate'; readonly periodMs: number }
  | { readonly kind: 'cron'; readonly cron: Cron };

const invalid = (expr: string, why: string): ValidationException => new ValidationException(`Invalid schedule expression: ${expr}. ${why}`);

export function parseSchedule(expr: string): Schedule {
  const m = /^(at|rate|cron)\((.*)\)$/.exec(expr.trim());
  if (!m) throw invalid(expr, 'Use at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields).');
  const body = m[2]!.trim();
  if (m[1] === 'at') return { kind: 'at', wall: parseAt(expr, body) };
  if (m[1] === 'rate') return { kind: 'rate', periodMs: parseRate(expr, body) };
  return { kind: 'cron', cron: parseCron(expr, body) };
}

function parseAt(expr: string, body: string): WallTime {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!m) throw invalid(expr, 'An at expression is at(yyyy-mm-ddThh:mm:ss).');
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) throw invalid(expr, 'The date or time is out of range.');
  return { y, mo, d, h, mi, s };
}

const UNIT_MS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

function parseRate(expr: string, body: string): number {
  const m = /^(\d+)\s+(\w+)$/.exec(body);
  const unit = m ? UNIT_MS[m[2]!] : undefined;
  const n = m ? Number(m[1]) : 0;
  if (!m || unit === undefined || !(n >= 1)) throw invalid(expr, 'A rate expression is rate(value unit): a positive whole value and minute(s), hour(s) or day(s).');
  return n * unit;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** One field's `*`, lists, ranges and steps over [lo, hi]; `names` map to lo, lo+1, … */
function values(expr: string, field: string, lo: number, hi: number, names: readonly string[] = []): number[] {
  const num = (t: string): number => {
    const i = names.indexOf(t.toUpperCase());
    const v = i >= 0 ? lo + i : /^\d+$/.test(t) ? Number(t) : NaN;
    if (!(v >= lo && v <= hi)) throw invalid(expr, `${field} value ${t} is out of range ${lo}-${hi}.`);
    return v;
  };
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!(Number.isInteger(step) && step >= 1)) throw invalid(expr, `Bad step in ${part}.`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [lo, hi];
    else if (range.includes('-')) [from, to] = range.split('-').map(num) as [number, number];
    else [from, to] = [num(range), stepText === undefined ? num(range) : hi];
    if (from > to) throw invalid(expr, `Bad range ${range}.`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

function parseCron(expr: string, body: string): Cron {
  const f = body.split(/\s+/);
  if (f.length !== 6) throw invalid(expr, 'A cron expression has six fields: minutes, hours, day-of-month, month, day-of-week and year.');
  const [mi, h, domText, mo, dowText, y] = f as [string, string, string, string, string, string];
  if ((domText === '?') === (dowText === '?')) throw invalid(expr, 'Exactly one of day-of-month and day-of-week must be ?.');
  const cron: Cron = {
    minutes: values(expr, mi, 0, 59), hours: values(expr, h, 0, 23), months: new Set(values(expr, mo, 1, 12, MONTHS)),
    years: y === '*' ? undefined : new Set(values(expr, y, 1970, 2199)), dom: undefined, dow: undefined,
  };
  if (domText !== '?') {
    const dom = { any: domText === '*', days: new Set<number>(), last: false, lastWeekday: false, nearestWeekday: [] as number[] };
    for (const part of domText.split(',')) {
      if (part === 'L') dom.last = true;
      else if (part === 'LW') dom.lastWeekday = true;
      else if (/^\d+W$/.test(part)) dom.nearestWeekday.push(...values(expr, part.slice(0, -1), 1, 31));
      else if (part !== '*') values(expr, part, 1, 31).forEach((d) => dom.days.add(d));
    }
    cron.dom = dom;
  } else {
    const dow = { days: new Set<number>(), last: [] as number[], nth: [] as [number, number][] };
    for (const part of dowText.split(',')) {
      const nth = /^(\w+)#(\d)$/.exec(part);
      if (nth) {
        const k = Number(nth[2]);
        if (k < 1 || k > 5) throw invalid(expr, `Bad day-of-week ${part}.`);
        dow.nth.push([values(expr, nth[1]!, 1, 7, DAYS)[0]!, k]);
      } else if (/^\w+L$/.test(part)) dow.last.push(values(expr, part.slice(0, -1), 1, 7, DAYS)[0]!);
      else values(expr, part, 1, 7, DAYS).forEach((d) => dow.days.add(d));
    }
    cron.dow = dow;
  }
  return cron;
}

export function daysInMonth(y: number, mo: number): number {
  return new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/** AWS numbering: 1 = Sunday … 7 = Saturday. */
const weekday = (y: number, mo: number, d: number): number => new Date(Date.UTC(y, mo - 1, d)).getUTCDay() + 1;
const isWeekday = (y: number, mo: number, d: number): boolean => weekday(y, mo, d) >= 2 && weekday(y, mo, d) <= 6;

/** The weekday nearest to day `d` inside its month (Quartz's `W`). */
function nearestWeekday(y: number, mo: number, d: number): number {
  const last = daysInMonth(y, mo);
  const day = Math.min(d, last);
  if (isWeekday(y, mo, day)) return day;
  const w = weekday(y, mo, day);
  if (w === 7) return day === 1 ? 3 : day - 1; // Saturday: Friday, or Monday the 3rd
  return day === last ? day - 2 : day + 1; // Sunday: Monday, or Friday when it is the last day
}

function dayMatches(c: Cron, y: number, mo: number, d: number): boolean {
  if (!c.months.has(mo) || (c.years && !c.years.has(y))) return false;
  const last = daysInMonth(y, mo);
  if (c.dom) {
    const dom = c.dom;
    if (dom.any || dom.days.has(d) || (dom.last && d === last)) return true;
    if (dom.lastWeekday && d === nearestWeekday(y, mo, last)) return true;
    return dom.nearestWeekday.some((n) => n <= last && nearestWeekday(y, mo, n) === d);
  }
  const dow = c.dow!;
  const w = weekday(y, mo, d);
  return dow.days.has(w) || (dow.last.includes(w) && d + 7 > last) || dow.nth.some(([day, k]) => day === w && Math.ceil(d / 7) === k);
}

// ---------------------------------------------------------------------------------------------
// Time zones

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Throws ValidationException unless `tz` is a time zone name this runtime knows. */
export function checkTimezone(tz: string): void {
  try {
    formatter(tz);
  } catch {
    throw new ValidationException(`Invalid timezone: ${tz}. Use an IANA time zone name such as UTC or America/New_York.`);
  }
}

export function wallTimeIn(tz: string, utcMs: number): WallTime {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(utcMs))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year!, mo: p.month!, d: p.day!, h: p.hour!, mi: p.minute!, s: p.second! };
}

const wallMs = (w: WallTime): number => Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);

/** The instant a wall time in `tz` names (in a DST gap, the instant an hour later; in an overlap, the first). */
export function utcOf(tz: string, w: WallTime): number {
  const guess = wallMs(w);
  const offset = (t: number): number => wallMs(wallTimeIn(tz, t)) - Math.floor(t / 1000) * 1000;
  const first = guess - offset(guess);
  const second = guess - offset(first);
  const exact = [first, second].filter((t) => wallMs(wallTimeIn(tz, t)) === guess);
  return exact.length > 0 ? Math.min(...exact) : Math.max(first, second);
}

// ---------------------------------------------------------------------------------------------
// Occurrences

/** How far ahead a cron is searched (its year field may rule out everything before that). */
const CRON_HORIZON_DAYS = 366 * 5;

/**
 * The first occurrence strictly after `afterMs`, or undefined when there is none. `anchorMs` is
 * where a rate counts from (the action's StartTime, else when it was put): anchor + k × period, k ≥ 1.
 */
export function nextOccurrence(s: Schedule, tz: string, afterMs: number, anchorMs: number): number | undefined {
  if (s.kind === 'at') {
    const t = utcOf(tz, s.wall);
    return t > afterMs ? t : undefined;
  }
  if (s.kind === 'rate') {
    const k = Math.max(1, Math.floor((afterMs - anchorMs) / s.periodMs) + 1);
    return anchorMs + k * s.periodMs;
  }
  const c = s.cron;
  const start = wallTimeIn(tz, afterMs);
  let day = Date.UTC(start.y, start.mo - 1, start.d);
  for (let i = 0; i < CRON_HORIZON_DAYS; i += 1, day += 86_400_000) {
    const date = new Date(day);
    const [y, mo, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    if (c.years && ![...c.years].some((v) => v >= y)) return undefined;
    if (!dayMatches(c, y, mo, d)) continue;
    for (const h of c.hours) {
      for (const mi of c.minutes) {
        const t = utcOf(tz, { y, mo, d, h, mi, s: 0 });
        if (t > afterMs) return t;
      }
    }
  }
  return undefined;
}

/**
 * The latest occurrence in (afterMs, untilMs] that falls inside [startMs, endMs], or undefined.
 * A controller that last looked at `afterMs` applies this one (older missed ones are superseded).
 */
export function dueOccurrence(
  s: Schedule, tz: string, afterMs: number, untilMs: number, window: { anchorMs: number; startMs?: number; endMs?: number },
): number | undefined {
  let from = Math.max(afterMs, (window.startMs ?? -Infinity) - 1);
  const until = Math.min(untilMs, window.endMs ?? Infinity);
  if (s.kind === 'rate') {
    const k = Math.floor((until - window.anchorMs) / s.periodMs);
    const t = window.anchorMs + k * s.periodMs;
    return k >= 1 && t > from ? t : undefined;
  }
  let due: number | undefined;
  for (let i = 0; i < 1000; i += 1) {
    const t = nextOccurrence(s, tz, from, window.anchorMs);
    if (t === undefined || t > until) break;
    due = t;
    from = t;
  }
  return due;
}
