/**
 * CloudWatch's metric alarm evaluation (pure): from the alarm's current state, its rule and the
 * values of its statistic per period over the evaluation range, the state it moves to and why.
 *
 * The alarm looks at N = EvaluationPeriods periods and goes to ALARM when M = DatapointsToAlarm
 * (default N) of them breach the threshold. Missing periods are handled as TreatMissingData says:
 *
 * - `breaching` / `notBreaching`: a missing period in the last N counts as breaching / not
 *   breaching, so the alarm always resolves to ALARM or OK.
 * - `missing` (the default) and `ignore`: CloudWatch looks further back, over the evaluation range
 *   (N + RANGE_EXTRA periods here), for the newest N datapoints that exist. With none, `missing`
 *   goes to INSUFFICIENT_DATA and `ignore` keeps the current state. Otherwise ALARM when M of them
 *   breach; ALARM too when fewer than N exist, all breach and the oldest is at least M periods old
 *   (CloudWatch's "premature transition" rule); OK when even counting every absent one as breaching
 *   could not reach M; and the current state stays when the data cannot decide.
 *
 * A new alarm is INSUFFICIENT_DATA ("Unchecked: Initial alarm creation") until its first evaluation.
 */
import {
  allMissingReason, crossedReason, insufficientReason, reasonDataJson, type ListedDatapoint,
} from './reason.js';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type TreatMissingData = 'missing' | 'ignore' | 'breaching' | 'notBreaching';

/** Periods read before the last N when looking back for datapoints (`missing`, `ignore`). */
export const RANGE_EXTRA = 2;

export interface AlarmRule {
  readonly threshold: number;
  readonly comparison: string;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
  readonly periodSeconds: number;
  /** The statistic's name for StateReasonData (`Average`, `p90`). */
  readonly statistic: string;
}

/** One period of the evaluation range: its start and the statistic's value, undefined when it has no data. */
export interface PeriodValue {
  readonly startMs: number;
  readonly value: number | undefined;
  readonly sampleCount?: number;
}

export type AlarmOutcome =
  | { readonly kind: 'state'; readonly value: AlarmStateValue; readonly reason: string; readonly reasonData: string; readonly recentDatapoints: number[] }
  | { readonly kind: 'unchanged'; readonly recentDatapoints: number[] };

export function breaches(comparison: string, value: number, threshold: number): boolean {
  switch (comparison) {
    case 'GreaterThanOrEqualToThreshold': return value >= threshold;
    case 'GreaterThanThreshold': return value > threshold;
    case 'LessThanThreshold': return value < threshold;
    case 'LessThanOrEqualToThreshold': return value <= threshold;
    default: return false;
  }
}

/**
 * Evaluates `range` (consecutive periods, oldest first, the newest complete period last; at least
 * N long, N + RANGE_EXTRA for `missing` and `ignore` to look back) at `nowMs`.
 */
export function evaluateAlarm(range: readonly PeriodValue[], rule: AlarmRule, nowMs: number): AlarmOutcome {
  const n = rule.evaluationPeriods;
  const m = rule.datapointsToAlarm;
  const isBreach = (v: number): boolean => breaches(rule.comparison, v, rule.threshold);
  const window = range.slice(-n);
  const mode = rule.treatMissingData;
  if (mode === 'breaching' || mode === 'notBreaching') {
    const present = window.filter((p): p is PeriodValue & { value: number } => p.value !== undefined);
    const breachCount = window.filter((p) => (p.value === undefined ? mode === 'breaching' : isBreach(p.value))).length;
    const value: AlarmStateValue = breachCount >= m ? 'ALARM' : 'OK';
    const reason = present.length === 0
      ? allMissingReason(n, mode === 'breaching' ? 'Breaching' : 'NonBreaching')
      : countReason(value, present, value === 'ALARM' ? breachCount : n - breachCount, rule, isBreach);
    return outcome(value, reason, window, present, rule, nowMs);
  }
  const present = range.filter((p): p is PeriodValue & { value: number } => p.value !== undefined).slice(-n);
  const recent = present.map((p) => p.value);
  if (present.length === 0) {
    return mode === 'ignore' ? { kind: 'unchanged', recentDatapoints: [] } : outcome('INSUFFICIENT_DATA', insufficientReason(n), window, present, rule, nowMs);
  }
  const breachCount = present.filter((p) => isBreach(p.value)).length;
  const newestStart = range[range.length - 1]!.startMs;
  const ageOf = (p: PeriodValue): number => Math.round((newestStart - p.startMs) / (rule.periodSeconds * 1000)) + 1;
  const premature = present.length < n && breachCount === present.length && ageOf(present[0]!) >= m;
  if (breachCount >= m || premature) return outcome('ALARM', countReason('ALARM', present, breachCount, rule, isBreach), window, present, rule, nowMs);
  if (breachCount + (n - present.length) < m) {
    return outcome('OK', countReason('OK', present, present.length - breachCount, rule, isBreach), window, present, rule, nowMs);
  }
  return { kind: 'unchanged', recentDatapoints: recent };
}

function countReason(
  value: AlarmStateValue, present: readonly (PeriodValue & { value: number })[], count: number, rule: AlarmRule, isBreach: (v: number) => boolean,
): string {
  const n = rule.evaluationPeriods;
  const listed: ListedDatapoint[] = present.filter((p) => isBreach(p.value) === (value === 'ALARM')).reverse()
    .map((p) => ({ startMs: p.startMs, value: p.value }));
  const everyOne = count === n && listed.length === n;
  const minimum = value === 'ALARM'
    ? { count: rule.datapointsToAlarm, transition: 'OK -> ALARM' }
    : { count: n - rule.datapointsToAlarm + 1, transition: 'ALARM -> OK' };
  return crossedReason({
    count, periods: n, listed, comparison: rule.comparison, negated: value !== 'ALARM', threshold: rule.threshold,
    ...(everyOne ? {} : { minimum }),
  });
}

function outcome(
  value: AlarmStateValue, reason: string, window: readonly PeriodValue[], present: readonly (PeriodValue & { value: number })[], rule: AlarmRule, nowMs: number,
): AlarmOutcome {
  const recentDatapoints = present.map((p) => p.value);
  const reasonData = reasonDataJson({
    queryDateMs: nowMs, startDateMs: (present[0] ?? window[0])?.startMs ?? nowMs, statistic: rule.statistic, period: rule.periodSeconds,
    threshold: rule.threshold, recentDatapoints,
    evaluated: [...window].reverse().map((p) => ({ startMs: p.startMs, ...(p.sampleCount !== undefined ? { sampleCount: p.sampleCount } : {}), ...(p.value !== undefined ? { value: p.value } : {}) })),
  });
  return { kind: 'state', value, reason, reasonData, recentDatapoints };
}
