/**
 * Service auto scaling with the real AWS CLI v2 (and the JS SDK) against a real `pier up` with
 * its agent, running the service's tasks in runc sandboxes. The agent measures each task's CPU
 * from its cgroup every two seconds; the autoscaling controller runs every second and, for the
 * test, needs one one-minute period for either alarm condition (PIER_AUTOSCALING_*).
 *
 * Bad input answers the model's errors and changes nothing; a registered target and a target
 * tracking policy scale the service out while its tasks burn CPU (clamped at max) and back in once
 * they go idle; a scheduled action raises min/max at its time (and the desired count with it);
 * describe-scaling-activities shows each change; deregistering removes the target's policies and
 * actions; deleting the service leaves nothing on the host.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ApplicationAutoScalingClient, DescribeScalableTargetsCommand, PutScalingPolicyCommand,
} from '@aws-sdk/client-application-auto-scaling';
import type { PierProcess } from '../helpers/pier-process.js';
import { Aws, sleep, until, v1Cli } from './aws-cli-support.test.js';
import { RealEnv } from './tasks-real-support.test.js';

const NS = ['--service-namespace', 'ecs'];
const DIM = ['--scalable-dimension', 'ecs:service:DesiredCount'];
const RID = 'service/default/web';
const TARGET = [...NS, '--resource-id', RID, ...DIM];

/** Idles until SIGTERM. */
const IDLE = 'trap "exit 0" TERM; sleep 2147483647 & wait';
/** Spins one CPU until `endSeconds` (epoch), then idles: tasks started after that are idle from the start. */
const BURN_UNTIL = (endSeconds: number): string =>
  `d=$((${endSeconds} - $(date +%s))); if [ $d -gt 0 ]; then timeout $d sh -c 'while :; do :; done'; fi; ${IDLE}`;

describe('AWS CLI v2: service auto scaling (runc tasks, pier up with its agent)', () => {
  let env: RealEnv | undefined;
  let pier: PierProcess;
  let aws: Aws;
  let burnEndMs = 0;

  const as = (args: string[]): any => aws.ok(args, 'application-autoscaling');
  const asFail = (args: string[], code: string, op: string, message: string | RegExp): string => aws.fail(args, code, op, message, 'application-autoscaling');
  const desired = (): number => aws.ok(['describe-services', '--services', 'web']).services[0].desiredCount;
  const activities = (): any[] => as(['describe-scaling-activities', ...NS, '--resource-id', RID]).ScalingActivities;
  const liveTasks = (): string[] => {
    const arns = aws.ok(['list-tasks', '--service-name', 'web']).taskArns as string[];
    for (const a of arns) env!.tasks.add(a);
    return arns;
  };
  const running = (): number => {
    const arns = liveTasks();
    if (arns.length === 0) return 0;
    return (aws.ok(['describe-tasks', '--tasks', ...arns]).tasks as any[]).filter((t) => t.lastStatus === 'RUNNING').length;
  };

  before(async () => {
    env = await RealEnv.start({
      agent: true, registryAuth: 'none', pierArgs: ['--runtime', 'runc', '--host-lost-after-seconds', '600'],
      pierEnv: {
        PIER_SERVICE_TASK_SETTLE_SECONDS: '1', PIER_METRICS_INTERVAL_SECONDS: '2',
        PIER_AUTOSCALING_INTERVAL_SECONDS: '1', PIER_AUTOSCALING_HIGH_PERIODS: '1', PIER_AUTOSCALING_LOW_PERIODS: '1',
      },
    });
    ({ pier, aws } = env);
    // The default cluster: the suite's helpers describe tasks without naming one.
    aws.ok(['create-cluster']);
    env.registerTaskDefinition('web', [{ name: 'app', command: IDLE, stopTimeout: 2 }]);
    aws.ok(['create-service', '--service-name', 'web', '--task-definition', 'web:1', '--desired-count', '1',
      '--network-configuration', env.defaultNetwork().shorthand]);
  });
  after(async () => {
    await env?.teardown();
  });

  test('bad input answers the model\'s errors and registers nothing', () => {
    asFail(['register-scalable-target', ...NS, '--resource-id', 'service/as/nope', ...DIM, '--min-capacity', '1', '--max-capacity', '3'],
      'ValidationException', 'RegisterScalableTarget', "ECS service doesn't exist: service/as/nope");
    asFail(['register-scalable-target', ...NS, '--resource-id', RID, '--scalable-dimension', 'dynamodb:table:ReadCapacityUnits', '--min-capacity', '1', '--max-capacity', '3'],
      'ValidationException', 'RegisterScalableTarget', 'Unsupported service namespace, resource type or scalable dimension');
    asFail(['register-scalable-target', ...NS, '--resource-id', 'web', ...DIM, '--min-capacity', '1', '--max-capacity', '3'],
      'ValidationException', 'RegisterScalableTarget', 'Unsupported service namespace, resource type or scalable dimension');
    asFail(['register-scalable-target', ...TARGET], 'ValidationException', 'RegisterScalableTarget', 'MinCapacity and MaxCapacity are required when registering a new scalable target');
    asFail(['register-scalable-target', ...TARGET, '--min-capacity', '4', '--max-capacity', '3'], 'ValidationException', 'RegisterScalableTarget', 'Minimum capacity cannot be greater than maximum capacity');
    asFail(['register-scalable-target', ...TARGET, '--min-capacity', '-1', '--max-capacity', '3'], 'ValidationException', 'RegisterScalableTarget', 'Minimum capacity cannot be less than 0');
    asFail(['register-scalable-target', '--service-namespace', 'nope', '--resource-id', RID, ...DIM, '--min-capacity', '1', '--max-capacity', '3'],
      'ValidationException', 'RegisterScalableTarget', /^1 validation error detected: Value 'nope' at 'ServiceNamespace' failed to satisfy constraint: Member must satisfy enum value set/);
    asFail(['put-scaling-policy', ...TARGET, '--policy-name', 'cpu', '--policy-type', 'TargetTrackingScaling',
      '--target-tracking-scaling-policy-configuration', JSON.stringify({ TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } })],
    'ObjectNotFoundException', 'PutScalingPolicy', `No scalable target registered for service namespace: ecs, resource ID: ${RID}, scalable dimension: ecs:service:DesiredCount`);
    asFail(['put-scheduled-action', ...TARGET, '--scheduled-action-name', 'x', '--schedule', 'rate(1 hour)'],
      'ObjectNotFoundException', 'PutScheduledAction', `No scalable target registered for service namespace: ecs, resource ID: ${RID}, scalable dimension: ecs:service:DesiredCount`);
    asFail(['deregister-scalable-target', ...TARGET], 'ObjectNotFoundException', 'DeregisterScalableTarget',
      `No scalable target found for service namespace: ecs, resource ID: ${RID}, scalable dimension: ecs:service:DesiredCount`);
    asFail(['describe-scalable-targets', ...NS, '--max-results', '51'], 'ValidationException', 'DescribeScalableTargets', /Member must have value less than or equal to 50/);
    asFail(['describe-scalable-targets', ...NS, '--next-token', 'garbage'], 'InvalidNextTokenException', 'DescribeScalableTargets', 'Invalid NextToken');
    assert.deepEqual(as(['describe-scalable-targets', ...NS]).ScalableTargets, []);
    assert.equal(desired(), 1);
  });

  test('register a target, update it, and see it described', () => {
    // Debian's CLI v2 predates ScalableTargetARN in the model and drops it; the SDK test checks it.
    as(['register-scalable-target', ...TARGET, '--min-capacity', '1', '--max-capacity', '2']);
    as(['register-scalable-target', ...TARGET, '--max-capacity', '3']);
    const [t] = as(['describe-scalable-targets', ...NS, '--resource-ids', RID]).ScalableTargets;
    assert.deepEqual({ ...t, CreationTime: undefined, RoleARN: undefined, ScalableTargetARN: undefined }, {
      ServiceNamespace: 'ecs', ResourceId: RID, ScalableDimension: 'ecs:service:DesiredCount', MinCapacity: 1, MaxCapacity: 3,
      SuspendedState: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false },
      CreationTime: undefined, RoleARN: undefined, ScalableTargetARN: undefined,
    }, 'the update changed only the maximum');
    assert.match(t.RoleARN, /:role\/aws-service-role\/ecs\.application-autoscaling\.amazonaws\.com\/AWSServiceRoleForApplicationAutoScaling_ECSService$/);
    aws.epochMs(t.CreationTime, 'CreationTime');
    assert.deepEqual(as(['describe-scalable-targets', '--service-namespace', 'dynamodb']).ScalableTargets, []);
    assert.equal(desired(), 1, 'a desired count inside the range is left alone');
  });

  test('policies: bad ones are refused, a target tracking policy answers its alarms', () => {
    const tt = (cfg: unknown): string[] => ['put-scaling-policy', ...TARGET, '--policy-name', 'bad', '--policy-type', 'TargetTrackingScaling', '--target-tracking-scaling-policy-configuration', JSON.stringify(cfg)];
    asFail(tt({ TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' } }),
      'ValidationException', 'PutScalingPolicy', 'ResourceLabel is required for predefined metric type ALBRequestCountPerTarget');
    asFail(tt({ TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'DynamoDBReadCapacityUtilization' } }),
      'ValidationException', 'PutScalingPolicy', /^Unsupported predefined metric type DynamoDBReadCapacityUtilization/);
    asFail(tt({ TargetValue: 0, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } }),
      'ValidationException', 'PutScalingPolicy', 'TargetValue must be greater than 0');
    asFail(['put-scaling-policy', ...TARGET, '--policy-name', 'bad', '--policy-type', 'StepScaling', '--step-scaling-policy-configuration',
      JSON.stringify({ AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 5, ScalingAdjustment: 2 }] })],
    'ValidationException', 'PutScalingPolicy', 'Step adjustments must not overlap');
    asFail(['delete-scaling-policy', ...TARGET, '--policy-name', 'bad'], 'ObjectNotFoundException', 'DeleteScalingPolicy',
      `No scaling policy found for service namespace: ecs, resource ID: ${RID}, scalable dimension: ecs:service:DesiredCount, policy name: bad`);
    assert.deepEqual(as(['describe-scaling-policies', ...NS]).ScalingPolicies, []);

    const out = as(['put-scaling-policy', ...TARGET, '--policy-name', 'cpu50', '--policy-type', 'TargetTrackingScaling', '--target-tracking-scaling-policy-configuration',
      JSON.stringify({ TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, ScaleOutCooldown: 0, ScaleInCooldown: 15 })]);
    assert.match(out.PolicyARN, new RegExp(`^arn:aws:autoscaling:[a-z0-9-]+:\\d{12}:scalingPolicy:[0-9a-f-]{36}:resource/ecs/${RID}:policyName/cpu50$`));
    assert.equal(out.Alarms.length, 2);
    assert.match(out.Alarms[0].AlarmName, new RegExp(`^TargetTracking-${RID}-AlarmHigh-[0-9a-f-]{36}$`));
    assert.match(out.Alarms[1].AlarmName, new RegExp(`^TargetTracking-${RID}-AlarmLow-[0-9a-f-]{36}$`));
    assert.match(out.Alarms[0].AlarmARN, /^arn:aws:cloudwatch:[a-z0-9-]+:\d{12}:alarm:TargetTracking-/);
    const [p] = as(['describe-scaling-policies', ...NS, '--resource-id', RID]).ScalingPolicies;
    assert.equal(p.PolicyName, 'cpu50');
    assert.equal(p.PolicyType, 'TargetTrackingScaling');
    assert.deepEqual(p.TargetTrackingScalingPolicyConfiguration, {
      TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, ScaleOutCooldown: 0, ScaleInCooldown: 15,
    });
    assert.deepEqual(p.Alarms, out.Alarms);
  });

  test('a CPU-bound revision scales the service out, clamped at max; CloudWatch shows the CPU the agent measured', async () => {
    burnEndMs = Date.now() + 90_000;
    env!.registerTaskDefinition('web', [{ name: 'app', command: BURN_UNTIL(Math.ceil(burnEndMs / 1000)), stopTimeout: 2 }]);
    aws.ok(['update-service', '--service', 'web', '--task-definition', 'web:2']);
    await until('desired count 3', () => desired() === 3, 80_000);
    await until('3 tasks RUNNING', () => running() === 3, 30_000);
    await sleep(3000);
    assert.equal(desired(), 3, 'never past MaxCapacity');
    const outs = activities().filter((a) => a.Cause.includes('-AlarmHigh-'));
    assert.ok(outs.length >= 1);
    for (const a of outs) {
      assert.equal(a.StatusCode, 'Successful');
      assert.match(a.Description, /^Setting desired count to [23]\.$/);
      assert.match(a.Cause, new RegExp(`^monitor alarm TargetTracking-${RID}-AlarmHigh-[0-9a-f-]{36} in state ALARM triggered policy cpu50$`));
      assert.match(a.StatusMessage, /^Successfully set desired count to [23]\. Change successfully fulfilled by ecs\.$/);
    }
    const iso = (ms: number): string => new Date(ms).toISOString();
    const stats = aws.ok(['get-metric-statistics', '--namespace', 'AWS/ECS', '--metric-name', 'CPUUtilization',
      '--dimensions', 'Name=ClusterName,Value=default', 'Name=ServiceName,Value=web', '--statistics', 'Maximum',
      '--start-time', iso(burnEndMs - 300_000), '--end-time', iso(Date.now() + 60_000), '--period', '60'], 'cloudwatch').Datapoints as any[];
    assert.ok(stats.some((d) => d.Maximum > 80 && d.Unit === 'Percent'), `a spinning task uses most of its quarter vCPU: ${JSON.stringify(stats)}`);
  });

  test('once the tasks go idle the service scales back in to its minimum, and the extra tasks stop', async () => {
    // Readings from the last seconds of the burn may still land in that minute: start in the next one.
    const from = Math.max(Date.now(), burnEndMs + 3000);
    await sleep(from - Date.now() + 60_000 - (from % 60_000) + 500);
    await until('desired count 1', () => desired() === 1, 60_000);
    const ins = activities().filter((a) => a.Cause.includes('-AlarmLow-')).reverse();
    assert.ok(ins.length >= 1, JSON.stringify(activities(), null, 1));
    assert.equal(ins.at(-1).Description, 'Setting desired count to 1.');
    for (const a of ins) assert.equal(a.StatusCode, 'Successful');
    for (let i = 1; i < ins.length; i++) {
      const gap = Date.parse(ins[i].StartTime) - Date.parse(ins[i - 1].StartTime);
      assert.ok(gap >= 15_000, `each scale-in waited the 15 s cooldown (${gap} ms)`);
    }
    await until('1 task RUNNING', () => liveTasks().length === 1 && running() === 1, 30_000);
  });

  test('a scheduled action sets min and max at its time, and the desired count follows', async () => {
    const bad = (schedule: string, extra: string[] = []) => [...TARGET, '--scheduled-action-name', 'bad', '--schedule', schedule, ...extra];
    asFail(['put-scheduled-action', ...bad('every day')], 'ValidationException', 'PutScheduledAction', /^Invalid schedule expression: every day\./);
    asFail(['put-scheduled-action', ...bad('cron(0 10 * * * *)')], 'ValidationException', 'PutScheduledAction', /Exactly one of day-of-month and day-of-week must be \?/);
    asFail(['put-scheduled-action', ...bad('rate(1 hour)', ['--timezone', 'Mars/Olympus'])], 'ValidationException', 'PutScheduledAction', /^Invalid timezone: Mars\/Olympus/);
    asFail(['put-scheduled-action', ...bad('rate(1 hour)', ['--scalable-target-action', 'MinCapacity=5,MaxCapacity=2'])], 'ValidationException', 'PutScheduledAction',
      'Minimum capacity cannot be greater than maximum capacity');
    asFail(['delete-scheduled-action', ...TARGET, '--scheduled-action-name', 'bad'], 'ObjectNotFoundException', 'DeleteScheduledAction',
      `No scheduled action found for service namespace: ecs, resource ID: ${RID}, scalable dimension: ecs:service:DesiredCount, scheduled action name: bad`);
    assert.deepEqual(as(['describe-scheduled-actions', ...NS]).ScheduledActions, []);

    as(['put-scheduled-action', ...TARGET, '--scheduled-action-name', 'weekday-mornings', '--schedule', 'cron(0 8 ? * MON-FRI *)', '--timezone', 'Europe/Paris',
      '--scalable-target-action', 'MinCapacity=2,MaxCapacity=6']);
    const when = new Date(Math.ceil((Date.now() + 25_000) / 1000) * 1000);
    as(['put-scheduled-action', ...TARGET, '--scheduled-action-name', 'soon', '--schedule', `at(${when.toISOString().slice(0, 19)})`,
      '--scalable-target-action', 'MinCapacity=2,MaxCapacity=4']);
    const actions = as(['describe-scheduled-actions', ...NS, '--resource-id', RID]).ScheduledActions;
    assert.deepEqual(actions.map((a: any) => [a.ScheduledActionName, a.Schedule, a.Timezone, a.ScalableTargetAction]), [
      ['soon', `at(${when.toISOString().slice(0, 19)})`, undefined, { MinCapacity: 2, MaxCapacity: 4 }],
      ['weekday-mornings', 'cron(0 8 ? * MON-FRI *)', 'Europe/Paris', { MinCapacity: 2, MaxCapacity: 6 }],
    ]);
    assert.match(actions[0].ScheduledActionARN, new RegExp(`^arn:aws:autoscaling:[a-z0-9-]+:\\d{12}:scheduledAction:[0-9a-f-]{36}:resource/ecs/${RID}:scheduledActionName/soon$`));

    assert.equal(desired(), 1, JSON.stringify(activities(), null, 1));
    const [before_] = as(['describe-scalable-targets', ...NS]).ScalableTargets;
    assert.deepEqual([before_.MinCapacity, before_.MaxCapacity], [1, 3], 'nothing before its time');
    await until('min 2 and max 4', () => {
      const [t] = as(['describe-scalable-targets', ...NS]).ScalableTargets;
      return t.MinCapacity === 2 && t.MaxCapacity === 4;
    }, 30_000);
    assert.ok(Date.now() >= when.getTime());
    await until('desired count 2', () => desired() === 2, 15_000);
    const recent = activities().slice(0, 2);
    assert.deepEqual(recent.map((a) => [a.Description, a.Cause, a.StatusCode, a.StatusMessage]), [
      ['Setting desired count to 2.', 'minimum capacity was set to 2', 'Successful', 'Successfully set desired count to 2. Change successfully fulfilled by ecs.'],
      ['Setting min capacity to 2 and max capacity to 4', 'scheduled action name soon was triggered', 'Successful', 'Successfully set min capacity to 2 and max capacity to 4'],
    ]);
    await sleep(3000);
    assert.equal(desired(), 2, 'low CPU does not take it below the new minimum');
  });

  test('the JS SDK sees the same target and gets the same errors', async () => {
    const client = new ApplicationAutoScalingClient({ endpoint: pier.endpoint, region: pier.region, credentials: { accessKeyId: pier.accessKeyId, secretAccessKey: pier.secretAccessKey } });
    try {
      const out = await client.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [RID] }));
      assert.equal(out.ScalableTargets?.[0]?.MinCapacity, 2);
      assert.match(out.ScalableTargets?.[0]?.ScalableTargetARN ?? '', /^arn:aws:application-autoscaling:[a-z0-9-]+:\d{12}:scalable-target\/[0-9a-f]{36}$/);
      assert.ok(out.ScalableTargets?.[0]?.CreationTime instanceof Date);
      await assert.rejects(client.send(new PutScalingPolicyCommand({
        ServiceNamespace: 'ecs', ResourceId: 'service/as/other', ScalableDimension: 'ecs:service:DesiredCount', PolicyName: 'p', PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: { TargetValue: 1, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } },
      })), (e: any) => e.name === 'ObjectNotFoundException' && /No scalable target registered/.test(e.message) && e.$metadata.httpStatusCode === 400);
    } finally {
      client.destroy();
    }
  });

  test('AWS CLI v1 (newer botocore) reads and writes the same resources and gets the same errors', () => {
    const cli = v1Cli();
    assert.ok(cli, 'the AWS CLI v1 is on PATH');
    const v1 = new Aws(cli, pier);
    const [t] = v1.ok(['describe-scalable-targets', ...NS, '--resource-ids', RID], 'application-autoscaling').ScalableTargets;
    assert.deepEqual([t.MinCapacity, t.MaxCapacity], [2, 4]);
    assert.match(t.ScalableTargetARN, /^arn:aws:application-autoscaling:[a-z0-9-]+:\d{12}:scalable-target\/[0-9a-f]{36}$/);
    assert.equal(typeof t.CreationTime, 'number', 'CLI v1 prints epoch seconds');
    v1.ok(['put-scheduled-action', ...TARGET, '--scheduled-action-name', 'hourly', '--schedule', 'rate(1 hour)', '--scalable-target-action', 'MaxCapacity=5'], 'application-autoscaling');
    const names = v1.ok(['describe-scheduled-actions', ...NS, '--scheduled-action-names', 'hourly'], 'application-autoscaling').ScheduledActions.map((a: any) => a.ScheduledActionName);
    assert.deepEqual(names, ['hourly']);
    v1.fail(['delete-scaling-policy', ...TARGET, '--policy-name', 'nope'], 'ObjectNotFoundException', 'DeleteScalingPolicy',
      `No scaling policy found for service namespace: ecs, resource ID: ${RID}, scalable dimension: ecs:service:DesiredCount, policy name: nope`, 'application-autoscaling');
  });

  test('deregistering removes the target with its policies and scheduled actions', () => {
    const recorded = activities().map((a) => a.ActivityId);
    assert.ok(recorded.length >= 4, 'scale out, scale in, the scheduled action and the minimum it raised');
    as(['deregister-scalable-target', ...TARGET]);
    assert.deepEqual(as(['describe-scalable-targets', ...NS]).ScalableTargets, []);
    assert.deepEqual(as(['describe-scaling-policies', ...NS]).ScalingPolicies, []);
    assert.deepEqual(as(['describe-scheduled-actions', ...NS]).ScheduledActions, []);
    assert.deepEqual(activities().map((a) => a.ActivityId), recorded, 'activities outlive their target');
    asFail(['deregister-scalable-target', ...TARGET], 'ObjectNotFoundException', 'DeregisterScalableTarget', /^No scalable target found/);
  });

  test('deleting the service stops its tasks; nothing is left on the host', async () => {
    const tasks = liveTasks();
    aws.ok(['delete-service', '--service', 'web', '--force']);
    for (const arn of tasks) await env!.waitStopped(arn, 60_000);
    await env!.assertNothingLeft();
  });
});
