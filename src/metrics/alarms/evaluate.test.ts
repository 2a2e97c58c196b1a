import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateAlarm, RANGE_EXTRA, type AlarmRule, type PeriodValue, type TreatMissingData } from './evaluate.js';
import { crossedReason, javaDouble, reasonTime, recentDatapointsOf } from './reason.js';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const rule = (extra: Partial<AlarmRule> = {}): AlarmRule => ({
  threshold: 50, comparison: 'GreaterThanThreshold', evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: 'missing',
  periodSeconds: 60, statistic: 'Average', ...extra,
});

/** A range from the CloudWatch docs' notation, oldest first: X breaching (75), 0 not breaching (10), - missing. */
function range(notation: string, periodSeconds = 60): PeriodValue[] {
  return [...notation.replace(/ /g, '')].map((c, i) => ({
    startMs: T0 + i * periodSeconds * 1000, value: c === 'X' ? 75 : c === '0' ? 10 : undefined, ...(c === '-' ? {} : { sampleCount: 1 }),
  }));
}

const stateOf = (notation: string, mode: TreatMissingData, extra: Partial<AlarmRule> = {}): string => {
  const o = evaluateAlarm(range(notation), rule({ treatMissingData: mode, ...extra }), T0 + 10 * 60_000);
  return o.kind === 'state' ? o.value : 'unchanged';
};

test('3 of 3 with missing data: the rows of CloudWatch\'s table, for each TreatMissingData', () => {
  // notation covers N + RANGE_EXTRA = 5 periods, oldest first
  assert.equal(RANGE_EXTRA, 2);
  const rows: [string, string, string, string, string][] = [
    // data        missing              ignore       breaching  notBreaching
    ['0 - X - X', 'OK', 'OK', 'ALARM', 'OK'],
    ['- - - - 0', 'OK', 'OK', 'OK', 'OK'],
    ['- - - - -', 'INSUFFICIENT_DATA', 'unchanged', 'ALARM', 'OK'],
    ['0 X X - X', 'ALARM', 'ALARM', 'ALARM', 'OK'],
    ['- - X - -', 'ALARM', 'ALARM', 'ALARM', 'OK'],
    ['X X X X X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['X X 0 0 0', 'OK', 'OK', 'OK', 'OK'],
  ];
  for (const [data, ...expected] of rows) {
    const got = (['missing', 'ignore', 'breaching', 'notBreaching'] as const).map((m) => stateOf(data, m));
    assert.deepEqual(got, expected, data);
  }
});

test('M of N: DatapointsToAlarm of the last EvaluationPeriods; undecidable data keeps the state', () => {
  assert.equal(stateOf('0 0 X 0 X', 'missing', { datapointsToAlarm: 2 }), 'ALARM');
  assert.equal(stateOf('0 0 X 0 0', 'missing', { datapointsToAlarm: 2 }), 'OK');
  assert.equal(stateOf('0 0 0 - X', 'missing'), 'OK', 'looking back past the missing period finds 0 0 X');
  assert.equal(stateOf('- - 0 - X', 'missing', { datapointsToAlarm: 2 }), 'unchanged', '0 and X and nothing more: ALARM still possible, OK not certain');
  assert.equal(stateOf('- - - - X', 'missing'), 'unchanged', 'one fresh breaching datapoint of 3 needed');
  assert.equal(stateOf('- - - X X', 'missing', { datapointsToAlarm: 2 }), 'ALARM');
});

test('comparison operators include or exclude the threshold', () => {
  const at = (comparison: string, v: number) => {
    const o = evaluateAlarm([{ startMs: T0, value: v }], rule({ comparison, evaluationPeriods: 1, datapointsToAlarm: 1 }), T0);
    return o.kind === 'state' ? o.value : 'unchanged';
  };
  assert.deepEqual([at('GreaterThanThreshold', 50), at('GreaterThanOrEqualToThreshold', 50), at('LessThanThreshold', 50), at('LessThanOrEqualToThreshold', 50)], ['OK', 'ALARM', 'OK', 'ALARM']);
  assert.deepEqual([at('GreaterThanThreshold', 50.5), at('LessThanThreshold', 49.5)], ['ALARM', 'ALARM']);
});

test('state reasons in CloudWatch\'s words, and the reason data', () => {
  const one = evaluateAlarm([{ startMs: Date.UTC(2026, 10, 22, 10, 1), value: 75, sampleCount: 4 }],
    rule({ evaluationPeriods: 1, datapointsToAlarm: 1 }), Date.UTC(2026, 10, 22, 10, 2, 5, 123));
  assert.equal(one.kind, 'state');
  if (one.kind !== 'state') return;
  assert.equal(one.reason, 'Threshold Crossed: 1 datapoint [75.0 (22/11/26 10:01:00)] was greater than the threshold (50.0).');
  assert.deepEqual(JSON.parse(one.reasonData), {
    version: '1.0', queryDate: '2026-11-22T10:02:05.123+0000', startDate: '2026-11-22T10:01:00.000+0000', statistic: 'Average', period: 60,
    recentDatapoints: [75], threshold: 50, evaluatedDatapoints: [{ timestamp: '2026-11-22T10:01:00.000+0000', sampleCount: 4, value: 75 }],
  });
  assert.deepEqual(one.recentDatapoints, [75]);

  const reason = (data: string, mode: TreatMissingData, extra: Partial<AlarmRule> = {}) => {
    const o = evaluateAlarm(range(data), rule({ treatMissingData: mode, ...extra }), T0);
    return o.kind === 'state' ? o.reason : '';
  };
  assert.equal(reason('0 0 X 0 X', 'missing', { datapointsToAlarm: 2 }),
    'Threshold Crossed: 2 out of the last 3 datapoints [75.0 (22/11/26 10:04:00), 75.0 (22/11/26 10:02:00)] were greater than the threshold (50.0) (minimum 2 datapoints for OK -> ALARM transition).');
  assert.equal(reason('X X 0 0 0', 'missing'),
    'Threshold Crossed: 3 datapoints [10.0 (22/11/26 10:04:00), 10.0 (22/11/26 10:03:00), 10.0 (22/11/26 10:02:00)] were not greater than the threshold (50.0).');
  assert.equal(reason('- - - - -', 'missing'), 'Insufficient Data: 3 datapoints were unknown.');
  assert.equal(reason('- - - - -', 'breaching'), 'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].');
  assert.equal(reason('- - - - -', 'notBreaching', { evaluationPeriods: 1, datapointsToAlarm: 1 }),
    'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].');
});

test('numbers as Java prints doubles, times as dd/MM/yy HH:mm:ss', () => {
  assert.deepEqual([javaDouble(75), javaDouble(0.5), javaDouble(-3), javaDouble(1e7), javaDouble(12345678.9), javaDouble(0.0001), javaDouble(0)],
    ['75.0', '0.5', '-3.0', '1.0E7', '1.23456789E7', '1.0E-4', '0.0']);
  assert.equal(reasonTime(Date.UTC(2026, 0, 5, 3, 4, 5)), '05/01/26 03:04:05');
  assert.equal(crossedReason({ count: 1, periods: 1, listed: [{ startMs: T0, value: 2 }], comparison: 'LessThanOrEqualToThreshold', negated: false, threshold: 5 }),
    'Threshold Crossed: 1 datapoint [2.0 (22/11/26 10:00:00)] was less than or equal to the threshold (5.0).');
});

test('recentDatapoints of a StateReasonData text', () => {
  assert.deepEqual(recentDatapointsOf('{"version":"1.0","recentDatapoints":[70.5,80]}'), [70.5, 80]);
  assert.equal(recentDatapointsOf('{"recentDatapoints":[]}'), undefined);
  assert.equal(recentDatapointsOf('{"recentDatapoints":["70"]}'), undefined);
  assert.equal(recentDatapointsOf('not json'), undefined);
  assert.equal(recentDatapointsOf(undefined), undefined);
});
