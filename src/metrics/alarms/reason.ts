/**
 * The texts CloudWatch gives an alarm's state (pure): StateReason sentences and the
 * StateReasonData JSON, with numbers printed as Java prints doubles (`75.0`, `1.0E7`) and
 * datapoint times as `dd/MM/yy HH:mm:ss` in UTC, as CloudWatch writes them.
 *
 *   Threshold Crossed: 1 datapoint [75.0 (22/11/26 10:01:00)] was greater than the threshold (50.0).
 *   Threshold Crossed: 2 out of the last 3 datapoints [80.0 (…), 85.0 (…)] were greater than the threshold (70.0) (minimum 2 datapoints for OK -> ALARM transition).
 *   Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].
 *   Insufficient Data: 3 datapoints were unknown.
 */
export const INITIAL_REASON = 'Unchecked: Initial alarm creation';

export const COMPARISON_TEXT: Readonly<Record<string, string>> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/** A double as Java's Double.toString writes it. */
export function javaDouble(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-3)) {
    const [mantissa, exponent] = v.toExponential().split('e') as [string, string];
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
  }
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `dd/MM/yy HH:mm:ss` in UTC. */
export function reasonTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear() % 100)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `2026-11-22T10:01:00.000+0000`, as StateReasonData writes times. */
export const reasonDataTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export interface ListedDatapoint { readonly startMs: number; readonly value: number }

/**
 * "Threshold Crossed: …" for `count` of the last `periods` datapoints being (or, `negated`, not
 * being) `comparison` the threshold. `listed` are the datapoints named, newest first; `minimum`,
 * when given, adds the M-of-N clause for `transition` ("OK -> ALARM").
 */
export function crossedReason(o: {
  count: number; periods: number; listed: readonly ListedDatapoint[]; comparison: string; negated: boolean; threshold: number;
  minimum?: { count: number; transition: string };
}): string {
  const values = o.listed.map((d) => `${javaDouble(d.value)} (${reasonTime(d.startMs)})`).join(', ');
  const how = `${o.count === 1 ? 'was' : 'were'} ${o.negated ? 'not ' : ''}${COMPARISON_TEXT[o.comparison] ?? o.comparison}`;
  const which = o.minimum ? `${o.count} out of the last ${o.periods} datapoints` : plural(o.count, 'datapoint');
  const tail = o.minimum ? ` (minimum ${plural(o.minimum.count, 'datapoint')} for ${o.minimum.transition} transition)` : '';
  return `Threshold Crossed: ${which} [${values}] ${how} the threshold (${javaDouble(o.threshold)})${tail}.`;
}

export function allMissingReason(periods: number, treatedAs: 'Breaching' | 'NonBreaching'): string {
  return `Threshold Crossed: no datapoints were received for ${plural(periods, 'period')} and ${plural(periods, 'missing datapoint')} ${periods === 1 ? 'was' : 'were'} treated as [${treatedAs}].`;
}

export function insufficientReason(periods: number): string {
  return `Insufficient Data: ${plural(periods, 'datapoint')} ${periods === 1 ? 'was' : 'were'} unknown.`;
}

export interface ReasonData {
  readonly queryDateMs: number;
  readonly startDateMs: number;
  readonly statistic: string;
  readonly period: number;
  readonly threshold: number;
  /** Oldest first. */
  readonly recentDatapoints: readonly number[];
  /** Newest first. */
  readonly evaluated: readonly { startMs: number; sampleCount?: number; value?: number }[];
}

export function reasonDataJson(d: ReasonData): string {
  return JSON.stringify({
    version: '1.0', queryDate: reasonDataTime(d.queryDateMs), startDate: reasonDataTime(d.startDateMs), statistic: d.statistic,
    period: d.period, recentDatapoints: d.recentDatapoints, threshold: d.threshold,
    evaluatedDatapoints: d.evaluated.map((e) => ({
      timestamp: reasonDataTime(e.startMs), ...(e.sampleCount !== undefined ? { sampleCount: e.sampleCount } : {}), ...(e.value !== undefined ? { value: e.value } : {}),
    })),
  });
}

/** The recentDatapoints of a StateReasonData text (SetAlarmState's), or undefined when it has none. */
export function recentDatapointsOf(reasonData: string | undefined): number[] | undefined {
  if (reasonData === undefined) return undefined;
  try {
    const parsed = JSON.parse(reasonData) as { recentDatapoints?: unknown };
    const r = parsed.recentDatapoints;
    return Array.isArray(r) && r.length > 0 && r.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (r as number[]) : undefined;
  } catch {
    return undefined;
  }
}
