import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../errors.js';
import { parseActionArn } from './action-arns.js';
import { parsePutMetricAlarm, type PutMetricAlarmInput } from './put-metric-alarm.js';

const scope = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' };
const base: PutMetricAlarmInput = {
  AlarmName: 'a', Namespace: 'App', MetricName: 'Load', Statistic: 'Average', Period: 60, EvaluationPeriods: 3, Threshold: 50, ComparisonOperator: 'GreaterThanThreshold',
};
const refused = (extra: Partial<PutMetricAlarmInput>, message: RegExp) =>
  assert.throws(() => parsePutMetricAlarm({ ...base, ...extra }, scope), (e: unknown) => e instanceof ValidationError && message.test(e.message), message.source);
const POLICY = 'arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:0a1b:resource/ecs/service/c/web:policyName/out';

test('a single-metric alarm: defaults filled, dimensions in canonical order, actions kept once each', () => {
  const c = parsePutMetricAlarm({ ...base, Dimensions: [{ Name: 'b', Value: '2' }, { Name: 'a', Value: '1' }], AlarmActions: [POLICY, POLICY] }, scope);
  assert.deepEqual(c, {
    ActionsEnabled: true, OKActions: [], AlarmActions: [POLICY], InsufficientDataActions: [], Namespace: 'App', MetricName: 'Load',
    Dimensions: [{ Name: 'a', Value: '1' }, { Name: 'b', Value: '2' }], Statistic: 'Average', Period: 60, EvaluationPeriods: 3, Threshold: 50,
    ComparisonOperator: 'GreaterThanThreshold',
  });
  assert.equal(parsePutMetricAlarm({ ...base, Statistic: undefined, ExtendedStatistic: 'p99.9', Period: 10, EvaluationPeriods: 8640 }, scope).ExtendedStatistic, 'p99.9');
});

test('refusals name what is wrong', () => {
  refused({ Metrics: [{ Id: 'm1' }], MetricName: undefined, Namespace: undefined, Statistic: undefined, Period: undefined }, /metric math alarms \(Metrics\)/);
  refused({ Metrics: [{ Id: 'm1' }] }, /^MetricName should not be set if list of Metrics is set\.$/);
  refused({ ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold' }, /anomaly detection alarms/);
  refused({ ThresholdMetricId: 'ad1' }, /anomaly detection/);
  refused({ MetricName: undefined }, /^MetricName must not be null$/);
  refused({ Threshold: undefined }, /^Threshold must not be null$/);
  refused({ ExtendedStatistic: 'p90' }, /Exactly one of Statistic and ExtendedStatistic/);
  refused({ Statistic: undefined }, /Exactly one of Statistic and ExtendedStatistic/);
  refused({ Statistic: undefined, ExtendedStatistic: 'tm90' }, /tm90 .* percentiles/);
  refused({ Period: 15 }, /Period 15 is not valid/);
  refused({ Period: 5 }, /Period 5 is not valid/);
  refused({ Period: 60, EvaluationPeriods: 1441 }, /one day/);
  refused({ DatapointsToAlarm: 4 }, /DatapointsToAlarm must be less than or equal to EvaluationPeriods/);
  refused({ TreatMissingData: 'sometimes' }, /TreatMissingData must be one of breaching, notBreaching, ignore, missing/);
  refused({ EvaluateLowSampleCountPercentile: 'ignore' }, /only valid for alarms on a percentile/);
  refused({ AlarmActions: ['not-an-arn'] }, /^Invalid arn syntax: not-an-arn$/);
  refused({ OKActions: ['arn:aws:sqs:us-east-1:123456789012:q'] }, /^Unsupported alarm action arn:aws:sqs/);
  refused({ AlarmActions: [POLICY.replace('us-east-1', 'eu-west-1')] }, /not in this alarm's region \(us-east-1\)/);
});

test('action ARNs: Application Auto Scaling policies are performed, the other kinds CloudWatch takes are accepted', () => {
  assert.deepEqual(parseActionArn(POLICY, scope), { kind: 'scaling-policy', arn: POLICY, serviceNamespace: 'ecs', resourceId: 'service/c/web', policyName: 'out' });
  for (const arn of [
    'arn:aws:sns:us-east-1:123456789012:ops', 'arn:aws:lambda:us-east-1:123456789012:function:f:live', 'arn:aws:automate:us-east-1:ec2:reboot',
    'arn:aws:swf:us-east-1:123456789012:action/actions/AWS_EC2.InstanceId.Stop/1.0',
    'arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1:autoScalingGroupName/g:policyName/p',
  ]) assert.equal(parseActionArn(arn, scope).kind, 'not-performed', arn);
});
