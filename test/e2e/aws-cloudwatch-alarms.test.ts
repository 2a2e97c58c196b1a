/**
 * CloudWatch metric alarms end to end against a real `pier up`, with AWS CLI v2 (Debian's, Query
 * protocol), AWS CLI v1 (JSON 1.0) and the JS SDK v3 (JSON 1.0; it also reads state while the
 * suite waits, since each CLI call costs a Python start-up): bad alarms are refused with CloudWatch's
 * codes and store nothing; an alarm is put, described, filtered, forced with set-alarm-state, read
 * back in its history and deleted; and the real thing: a service with a StepScaling policy, an
 * alarm on a custom high-resolution metric (10-second periods) whose action is that policy, data
 * above the threshold takes the alarm to ALARM and the desired count up by the step, and data below
 * takes it back to OK.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ApplicationAutoScalingClient, DescribeScalingPoliciesCommand, PutScalingPolicyCommand, RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, DescribeAlarmsForMetricCommand, DisableAlarmActionsCommand,
  PutMetricAlarmCommand, SetAlarmStateCommand, type DescribeAlarmsCommandInput, type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { defaultNetwork } from '../helpers/ec2-query.js';
import { startPier, type PierProcess } from '../helpers/pier-process.js';
import { Aws, debianCli, until, v1Cli } from './aws-cli-support.test.js';

const NS = 'Pier/E2E-Alarms';
const TARGET = { ServiceNamespace: 'ecs' as const, ResourceId: 'service/alarms/web', ScalableDimension: 'ecs:service:DesiredCount' as const };
const alarmArgs = (name: string, extra: string[] = []): string[] => ['put-metric-alarm', '--alarm-name', name, '--namespace', NS, '--metric-name', 'QueueDepth',
  '--dimensions', 'Name=Queue,Value=jobs', '--statistic', 'Maximum', '--period', '10', '--evaluation-periods', '1', '--threshold', '50',
  '--comparison-operator', 'GreaterThanThreshold', ...extra];
const alarmInput = (name: string, extra: Partial<PutMetricAlarmCommandInput> = {}): PutMetricAlarmCommandInput => ({
  AlarmName: name, Namespace: NS, MetricName: 'QueueDepth', Dimensions: [{ Name: 'Queue', Value: 'jobs' }], Statistic: 'Maximum', Period: 10,
  EvaluationPeriods: 1, Threshold: 50, ComparisonOperator: 'GreaterThanThreshold', ...extra,
});
const queueData = (value: number): string[] => ['put-metric-data', '--namespace', NS, '--metric-data',
  JSON.stringify([{ MetricName: 'QueueDepth', Dimensions: [{ Name: 'Queue', Value: 'jobs' }], Value: value, StorageResolution: 1 }])];

describe('CloudWatch metric alarms with the AWS CLI and the JS SDK', () => {
  let pier: PierProcess | undefined;
  let aws: Aws;
  let cw: CloudWatchClient;
  const cli = (args: string[]): any => aws.ok(args, 'cloudwatch');
  const cliFail = (args: string[], code: string, op: string, message: string | RegExp): string => aws.fail(args, code, op, message, 'cloudwatch');
  /** The alarm named, read with the SDK (fast enough to poll). */
  const alarm = async (name: string) => (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms?.[0];
  /** The SDK's error: the Query code it reads from x-amzn-query-error (`Code`), the message and the status. */
  const refused = (p: Promise<unknown>, code: string, message: string | RegExp) => assert.rejects(p, (e: any) => {
    assert.equal(e.Code, code, `${e.name}: ${e.message}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return e.$metadata.httpStatusCode === (code === 'ResourceNotFound' ? 404 : 400);
  });

  before(async () => {
    pier = await startPier();
    aws = new Aws(debianCli(), pier);
    cw = new CloudWatchClient({ endpoint: pier.endpoint, region: pier.region, credentials: { accessKeyId: pier.accessKeyId, secretAccessKey: pier.secretAccessKey } });
  });
  after(async () => {
    cw?.destroy();
    await pier?.destroy();
  });

  test('bad alarms are refused with CloudWatch\'s codes, and nothing is stored', async () => {
    const put = (extra: string[]) => alarmArgs('bad', extra);
    cliFail(['put-metric-alarm', '--alarm-name', 'bad', '--namespace', NS, '--statistic', 'Maximum', '--period', '10', '--evaluation-periods', '1', '--threshold', '1',
      '--comparison-operator', 'GreaterThanThreshold'], 'ValidationError', 'PutMetricAlarm', 'MetricName must not be null');
    cliFail(put(['--period', '15']), 'ValidationError', 'PutMetricAlarm', 'Period 15 is not valid: use 10, 20, 30 or a multiple of 60 seconds.');
    cliFail(put(['--comparison-operator', 'LessThanLowerOrGreaterThanUpperThreshold']), 'ValidationError', 'PutMetricAlarm',
      /^ComparisonOperator LessThanLowerOrGreaterThanUpperThreshold is for anomaly detection alarms, which Pier does not support/);
    cliFail(put(['--alarm-actions', 'scale-me']), 'ValidationError', 'PutMetricAlarm', 'Invalid arn syntax: scale-me');

    await refused(cw.send(new PutMetricAlarmCommand(alarmInput('bad', { ComparisonOperator: 'Bigger' as never }))), 'ValidationError',
      /^The parameter ComparisonOperator must be a value in the set \[GreaterThanOrEqualToThreshold, /);
    await refused(cw.send(new PutMetricAlarmCommand(alarmInput('bad', { DatapointsToAlarm: 2 }))), 'ValidationError', 'DatapointsToAlarm must be less than or equal to EvaluationPeriods.');
    await refused(cw.send(new PutMetricAlarmCommand(alarmInput('bad', { TreatMissingData: 'sometimes' }))), 'ValidationError', 'TreatMissingData must be one of breaching, notBreaching, ignore, missing.');
    await refused(cw.send(new PutMetricAlarmCommand({
      AlarmName: 'bad', EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold', Metrics: [{ Id: 'e1', Expression: 'm1 * 2', ReturnData: true }],
    })), 'ValidationError', /^Pier does not support metric math alarms \(Metrics\) yet/);
    await refused(cw.send(new DescribeAlarmsCommand({ AlarmNames: ['a'], AlarmNamePrefix: 'a' })), 'ValidationError', 'AlarmNames and AlarmNamePrefix cannot be specified together.');
    await refused(cw.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'ALARM', StateReason: 'x' })), 'ResourceNotFound', 'Alarm nope not found');
    await refused(cw.send(new DeleteAlarmsCommand({ AlarmNames: ['nope'] })), 'ResourceNotFound', 'The alarm nope does not exist.');
    assert.deepEqual((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms, []);
    assert.deepEqual((await cw.send(new DescribeAlarmHistoryCommand({}))).AlarmHistoryItems, []);
  });

  test('put, describe and filter alarms; set-alarm-state and the history; disable actions; delete', async () => {
    const sns = `arn:aws:sns:${pier!.region}:123456789012:ops`;
    cli(alarmArgs('jobs-high', ['--alarm-description', 'queue backing up', '--ok-actions', sns, '--tags', 'Key=team,Value=web']));
    await cw.send(new PutMetricAlarmCommand(alarmInput('jobs-very-high', { Threshold: 500, TreatMissingData: 'notBreaching', EvaluationPeriods: 3, DatapointsToAlarm: 2 })));
    const [a] = cli(['describe-alarms', '--alarm-names', 'jobs-high']).MetricAlarms;
    assert.match(a.AlarmArn, /^arn:aws:cloudwatch:[a-z0-9-]+:\d{12}:alarm:jobs-high$/);
    aws.epochMs(a.StateUpdatedTimestamp, 'StateUpdatedTimestamp');
    assert.deepEqual({ ...a, AlarmArn: undefined, AlarmConfigurationUpdatedTimestamp: undefined, StateUpdatedTimestamp: undefined, StateTransitionedTimestamp: undefined }, {
      AlarmName: 'jobs-high', AlarmArn: undefined, AlarmDescription: 'queue backing up', AlarmConfigurationUpdatedTimestamp: undefined, ActionsEnabled: true,
      OKActions: [sns], AlarmActions: [], InsufficientDataActions: [], StateValue: 'INSUFFICIENT_DATA', StateReason: 'Unchecked: Initial alarm creation',
      StateUpdatedTimestamp: undefined, MetricName: 'QueueDepth', Namespace: NS, Statistic: 'Maximum', Dimensions: [{ Name: 'Queue', Value: 'jobs' }],
      Period: 10, EvaluationPeriods: 1, Threshold: 50, ComparisonOperator: 'GreaterThanThreshold', StateTransitionedTimestamp: undefined,
    });
    const names = async (input: DescribeAlarmsCommandInput) => (await cw.send(new DescribeAlarmsCommand(input))).MetricAlarms?.map((x) => x.AlarmName);
    assert.deepEqual(await names({ AlarmNamePrefix: 'jobs-v' }), ['jobs-very-high']);
    assert.deepEqual(await names({ ActionPrefix: 'arn:aws:sns:' }), ['jobs-high']);
    const forMetric = await cw.send(new DescribeAlarmsForMetricCommand({ Namespace: NS, MetricName: 'QueueDepth', Dimensions: [{ Name: 'Queue', Value: 'jobs' }], Period: 10 }));
    assert.deepEqual(forMetric.MetricAlarms?.map((x) => x.AlarmName), ['jobs-high', 'jobs-very-high']);

    // No data, treated as not breaching: OK from its first evaluation.
    await until('jobs-very-high in OK', async () => (await alarm('jobs-very-high'))?.StateValue === 'OK', 20_000);
    cli(['set-alarm-state', '--alarm-name', 'jobs-very-high', '--state-value', 'ALARM', '--state-reason', 'testing the pager']);
    // The next evaluation returns it to what its data says.
    await until('jobs-very-high back in OK', async () => (await alarm('jobs-very-high'))?.StateValue === 'OK', 20_000);
    const history = cli(['describe-alarm-history', '--alarm-name', 'jobs-very-high', '--scan-by', 'TimestampAscending']).AlarmHistoryItems;
    assert.deepEqual(history.map((h: any) => [h.HistoryItemType, h.HistorySummary]), [
      ['ConfigurationUpdate', 'Alarm "jobs-very-high" created'],
      ['StateUpdate', 'Alarm updated from INSUFFICIENT_DATA to OK'],
      ['StateUpdate', 'Alarm updated from OK to ALARM'],
      ['StateUpdate', 'Alarm updated from ALARM to OK'],
    ]);
    assert.equal(JSON.parse(history[2].HistoryData).newState.stateReason, 'testing the pager');
    assert.equal(JSON.parse(history[3].HistoryData).newState.stateReason,
      'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [NonBreaching].');

    await cw.send(new DisableAlarmActionsCommand({ AlarmNames: ['jobs-high', 'nope'] }));
    assert.equal((await alarm('jobs-high'))?.ActionsEnabled, false);
    cli(['delete-alarms', '--alarm-names', 'jobs-high', 'jobs-very-high', 'nope']);
    assert.deepEqual((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms, []);
    const kept = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'jobs-high' }));
    assert.equal(kept.AlarmHistoryItems?.[0]?.HistorySummary, 'Alarm "jobs-high" deleted', 'history outlives the alarm');
  });

  test('a step scaling policy as an alarm action: above the threshold the service scales by the step, below the alarm is OK', async () => {
    const creds = { accessKeyId: pier!.accessKeyId, secretAccessKey: pier!.secretAccessKey };
    const ecs = new ECSClient({ endpoint: pier!.endpoint, region: pier!.region, credentials: creds });
    const scaling = new ApplicationAutoScalingClient({ endpoint: pier!.endpoint, region: pier!.region, credentials: creds });
    try {
      const network = await defaultNetwork({ endpoint: pier!.endpoint, region: pier!.region, credentials: creds });
      await ecs.send(new CreateClusterCommand({ clusterName: 'alarms' }));
      await ecs.send(new RegisterTaskDefinitionCommand({
        family: 'web', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', containerDefinitions: [{ name: 'app', image: 'busybox' }],
      }));
      await ecs.send(new CreateServiceCommand({
        cluster: 'alarms', serviceName: 'web', taskDefinition: 'web', desiredCount: 1,
        networkConfiguration: { awsvpcConfiguration: { subnets: [...network.subnetByZone.values()], securityGroups: [network.securityGroupId] } },
      }));
      await scaling.send(new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: 1, MaxCapacity: 5 }));
      const { PolicyARN: policyArn } = await scaling.send(new PutScalingPolicyCommand({
        ...TARGET, PolicyName: 'jobs-out', PolicyType: 'StepScaling', StepScalingPolicyConfiguration: {
          AdjustmentType: 'ChangeInCapacity', Cooldown: 300, MetricAggregationType: 'Maximum',
          StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 20, ScalingAdjustment: 2 }],
        },
      }));
      const desired = async () => (await ecs.send(new DescribeServicesCommand({ cluster: 'alarms', services: ['web'] }))).services?.[0]?.desiredCount;

      cli(alarmArgs('jobs-scale-out', ['--alarm-actions', policyArn!]));
      const [policy] = (await scaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: TARGET.ResourceId }))).ScalingPolicies ?? [];
      assert.deepEqual(policy?.Alarms?.map((x) => x.AlarmName), ['jobs-scale-out'], 'the policy lists the alarm that names it');
      cli(queueData(80));
      await until('the alarm in ALARM', async () => (await alarm('jobs-scale-out'))?.StateValue === 'ALARM', 25_000);
      assert.match((await alarm('jobs-scale-out'))!.StateReason!, /^Threshold Crossed: 1 datapoint \[80\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d0\)\] was greater than the threshold \(50\.0\)\.$/);
      await until('desired count 3', async () => (await desired()) === 3, 10_000);
      const [activity] = aws.ok(['describe-scaling-activities', '--service-namespace', 'ecs', '--resource-id', TARGET.ResourceId], 'application-autoscaling').ScalingActivities;
      assert.deepEqual([activity.Description, activity.Cause, activity.StatusCode], [
        'Setting desired count to 3.', 'monitor alarm jobs-scale-out in state ALARM triggered policy jobs-out', 'Successful',
      ], '80 is 30 above 50: the +2 step');

      cli(queueData(20));
      await until('the alarm in OK', async () => (await alarm('jobs-scale-out'))?.StateValue === 'OK', 25_000);
      assert.equal(await desired(), 3, 'OK has no actions; the policy stays in its cooldown');
      const summaries = cli(['describe-alarm-history', '--alarm-name', 'jobs-scale-out', '--scan-by', 'TimestampAscending']).AlarmHistoryItems.map((h: any) => h.HistorySummary);
      assert.deepEqual(summaries, [
        'Alarm "jobs-scale-out" created', 'Alarm updated from INSUFFICIENT_DATA to ALARM', `Successfully executed action ${policyArn}`, 'Alarm updated from ALARM to OK',
      ]);
    } finally {
      ecs.destroy();
      scaling.destroy();
    }
  });

  test('the JS SDK pages through alarms and gets the same errors', async () => {
    for (const n of ['sdk-a', 'sdk-b', 'sdk-c']) await cw.send(new PutMetricAlarmCommand(alarmInput(n, { MetricName: 'Other' })));
    const first = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'sdk-', MaxRecords: 2 }));
    assert.deepEqual(first.MetricAlarms?.map((a) => a.AlarmName), ['sdk-a', 'sdk-b']);
    assert.ok(first.MetricAlarms?.[0]?.StateUpdatedTimestamp instanceof Date);
    const second = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'sdk-', MaxRecords: 2, NextToken: first.NextToken! }));
    assert.deepEqual([second.MetricAlarms?.map((a) => a.AlarmName), second.NextToken], [['sdk-c'], undefined]);
    await refused(cw.send(new SetAlarmStateCommand({ AlarmName: 'sdk-a', StateValue: 'OK', StateReason: 'x', StateReasonData: '{not json' })), 'InvalidFormat',
      'StateReasonData is not valid JSON.');
    await refused(cw.send(new DescribeAlarmsCommand({ NextToken: 'garbage' })), 'InvalidNextToken', /^The service cannot process the NextToken you sent/);
  });

  test('AWS CLI v1 (JSON 1.0) reads and writes the same alarms and gets the same errors', () => {
    const v1cli = v1Cli();
    assert.ok(v1cli, 'the AWS CLI v1 is on PATH');
    const v1 = new Aws(v1cli, pier!);
    v1.ok(alarmArgs('v1-alarm', ['--threshold', '7', '--metric-name', 'Other']), 'cloudwatch');
    const found = v1.ok(['describe-alarms', '--alarm-names', 'v1-alarm', 'sdk-a'], 'cloudwatch').MetricAlarms;
    assert.deepEqual(found.map((a: any) => [a.AlarmName, a.Threshold, a.MetricName]), [['sdk-a', 50, 'Other'], ['v1-alarm', 7, 'Other']], 'the SDK\'s alarm and its own');
    assert.equal(typeof found[0].StateUpdatedTimestamp, 'number', 'CLI v1 prints epoch seconds');
    v1.fail(['set-alarm-state', '--alarm-name', 'gone', '--state-value', 'OK', '--state-reason', 'x'], 'ResourceNotFound', 'SetAlarmState', 'Alarm gone not found', 'cloudwatch');
  });
});
