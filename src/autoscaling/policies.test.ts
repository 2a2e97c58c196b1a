import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationException } from './errors.js';
import type { AutoScalingContext } from './context.js';
import { checkTargetTracking, putScalingPolicy, type TargetTrackingInput } from './policies.js';
import { checkScheduledActionName } from './scheduled-actions.js';

const CPU = { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' };
const LABEL = 'app/my-alb/778d41231b141a0f/targetgroup/my-tg/943f017f100becff';

test('target tracking configurations Pier accepts', () => {
  checkTargetTracking({ TargetValue: 50, PredefinedMetricSpecification: CPU });
  checkTargetTracking({ TargetValue: 0.5, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageMemoryUtilization' }, ScaleInCooldown: 0, ScaleOutCooldown: 0, DisableScaleIn: true });
  checkTargetTracking({ TargetValue: 1000, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: LABEL } });
  checkTargetTracking({ TargetValue: 10, CustomizedMetricSpecification: { Namespace: 'App', MetricName: 'Queue', Statistic: 'Average', Dimensions: [{ Name: 'Q', Value: 'jobs' }] } });
});

test('target tracking configurations refused, with the reason', () => {
  const bad = (cfg: TargetTrackingInput | undefined, re: RegExp) =>
    assert.throws(() => checkTargetTracking(cfg), (e: unknown) => e instanceof ValidationException && re.test(e.message), re.source);
  bad(undefined, /TargetTrackingScalingPolicyConfiguration is required/);
  bad({ TargetValue: 0, PredefinedMetricSpecification: CPU }, /TargetValue must be greater than 0/);
  bad({ TargetValue: -1, PredefinedMetricSpecification: CPU }, /TargetValue must be greater than 0/);
  bad({ TargetValue: 50, PredefinedMetricSpecification: CPU, ScaleOutCooldown: -1 }, /ScaleOutCooldown must be zero or more/);
  bad({ TargetValue: 50, PredefinedMetricSpecification: CPU, ScaleInCooldown: -5 }, /ScaleInCooldown must be zero or more/);
  bad({ TargetValue: 50 }, /Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification/);
  bad({ TargetValue: 50, PredefinedMetricSpecification: CPU, CustomizedMetricSpecification: { Namespace: 'A', MetricName: 'B', Statistic: 'Sum' } }, /Exactly one/);
  bad({ TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'RDSReaderAverageCPUUtilization' } }, /Unsupported predefined metric type RDSReaderAverageCPUUtilization for service namespace ecs/);
  bad({ TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' } }, /ResourceLabel is required/);
  bad({ TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: 'targetgroup/x/y' } }, /Invalid ResourceLabel/);
  bad({ TargetValue: 50, PredefinedMetricSpecification: { ...CPU, ResourceLabel: LABEL } }, /ResourceLabel is only valid for predefined metric type ALBRequestCountPerTarget/);
  bad({ TargetValue: 50, CustomizedMetricSpecification: { Namespace: 'App', MetricName: 'Queue' } }, /needs MetricName, Namespace and Statistic/);
  bad({ TargetValue: 50, CustomizedMetricSpecification: { Metrics: [{ Id: 'm1' }] } }, /does not support metric math/);
  bad({ TargetValue: 50, CustomizedMetricSpecification: { Namespace: 'App', Metrics: [{ Id: 'm1' }] } }, /either MetricName, Namespace and Statistic or Metrics, not both/);
});

test('scheduled action names follow the model\'s pattern', () => {
  for (const ok of ['nightly', 'scale up 9am', 'a.b-c_d']) checkScheduledActionName(ok);
  for (const bad of ['a/b', 'a:b', 'a|b', ' lead', 'trail ', 'tab\there']) {
    assert.throws(() => checkScheduledActionName(bad), (e: unknown) => e instanceof ValidationException && /at 'ScheduledActionName' failed to satisfy constraint/.test(e.message), bad);
  }
});

test('policy names are printable ASCII, checked before anything is read', async () => {
  const input = { ServiceNamespace: 'ecs', ResourceId: 'service/c/s', ScalableDimension: 'ecs:service:DesiredCount', PolicyName: 'tab\there' };
  await assert.rejects(putScalingPolicy({} as AutoScalingContext, input),
    (e: unknown) => e instanceof ValidationException && e.message === "1 validation error detected: Value 'tab\there' at 'PolicyName' failed to satisfy constraint: Member must satisfy regular expression pattern: \\p{Print}+");
});
