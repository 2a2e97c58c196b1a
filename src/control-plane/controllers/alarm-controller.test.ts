/**
 * The alarm controller against a real SQLite store and metric store, a manual clock and a
 * services seam that records desired counts: alarms move with the data a period at a time, a step
 * scaling policy named in AlarmActions scales the service by its step (once on entering ALARM, again
 * a minute later once its cooldown is over), SetAlarmState's StateReasonData drives the policy too,
 * disabled actions and actions Pier does not perform are recorded as such.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AutoScalingContext, ScalableServices } from '../../autoscaling/context.js';
import { describeScalingActivities } from '../../autoscaling/activities.js';
import { describeScalingPolicies, putScalingPolicy } from '../../autoscaling/policies.js';
import { registerScalableTarget } from '../../autoscaling/targets.js';
import { SessionAuthority } from '../../iam/session-credentials.js';
import { ManualClock } from '../../lib/clock.js';
import { SequentialIds } from '../../lib/ids.js';
import { silentLogger } from '../../lib/logger.js';
import type { AlarmsContext } from '../../metrics/alarms/context.js';
import { describeAlarmHistory } from '../../metrics/alarms/history.js';
import { disableAlarmActions, setAlarmState } from '../../metrics/alarms/manage-alarms.js';
import { putMetricAlarm, type PutMetricAlarmInput } from '../../metrics/alarms/put-metric-alarm.js';
import { putMetricData } from '../../metrics/put-metric-data.js';
import { SqliteMetricStore } from '../../metrics/sqlite/sqlite-metric-store.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { ControlPlane } from '../context.js';
import { HostSignals } from '../host-signals.js';
import { syncAlarms, type AlarmController } from './alarm-controller.js';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const clock = new ManualClock(T0);
const desired = new Map<string, number>([['service/c/web', 2]]);
const services: ScalableServices = {
  desiredCount: async (ref) => desired.get(`service/${ref.cluster}/${ref.service}`),
  setDesiredCount: async (ref, n) => void desired.set(`service/${ref.cluster}/${ref.service}`, n),
};
let dir = '';
let controller: AlarmController;
let alarmsCtx: AlarmsContext;
let scaling: AutoScalingContext;
let policyArn = '';

const TARGET = { ServiceNamespace: 'ecs', ResourceId: 'service/c/web', ScalableDimension: 'ecs:service:DesiredCount' };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pier-alarm-controller-'));
  const cp: ControlPlane = {
    store: new SqliteStore(join(dir, 'pier.db')), clock, ids: new SequentialIds(), scope: { partition: 'aws', region: 'us-east-1', accountId: '123456789012' },
    log: silentLogger, hostSignals: new HostSignals(), sessions: new SessionAuthority(Buffer.alloc(32, 7)),
    config: { hostLostAfterMs: 30_000, heartbeatIntervalMs: 10_000, stoppedTaskRetentionMs: 3_600_000, availabilityZones: ['us-east-1a'], startedAtMs: 0 },
  };
  const metrics = SqliteMetricStore.open({ dir: join(dir, 'metrics') });
  alarmsCtx = { cp, metrics };
  scaling = { cp, services };
  controller = { alarms: alarmsCtx, autoScaling: scaling, intervalMs: 1000, settleMs: 1000 };
  await registerScalableTarget(scaling, { ...TARGET, MinCapacity: 1, MaxCapacity: 12 });
  policyArn = ((await putScalingPolicy(scaling, {
    ...TARGET, PolicyName: 'out', PolicyType: 'StepScaling',
    StepScalingPolicyConfiguration: {
      AdjustmentType: 'ChangeInCapacity', Cooldown: 90, MetricAggregationType: 'Maximum',
      StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 }],
    },
  })) as { PolicyARN: string }).PolicyARN;
});
after(async () => {
  await alarmsCtx.metrics.close();
  await alarmsCtx.cp.store.close();
  rmSync(dir, { recursive: true, force: true });
});

const put = (value: number, atMs = clock.now()) => putMetricData({ store: alarmsCtx.metrics, clock, log: silentLogger }, {
  Namespace: 'App', MetricData: [{ MetricName: 'Queue', Value: value, Timestamp: atMs, StorageResolution: 1 }],
});
const alarm = async (name: string) => (await alarmsCtx.cp.store.read.alarms.get(name))!;
const causes = async () => ((await describeScalingActivities(scaling, { ServiceNamespace: 'ecs' })) as { ScalingActivities: { Cause: string; Description: string }[] })
  .ScalingActivities.map((a) => `${a.Description} ${a.Cause}`);
const history = async (name: string) => ((await describeAlarmHistory(alarmsCtx, { AlarmName: name, ScanBy: 'TimestampAscending' })).AlarmHistoryItems as { HistorySummary: string }[])
  .map((h) => h.HistorySummary);
/** Moves the clock to `ms` after T0 and runs one pass. */
const passAt = async (ms: number) => {
  clock.set(T0 + ms);
  await syncAlarms(controller);
};

const queueAlarm = (extra: Partial<PutMetricAlarmInput> = {}): PutMetricAlarmInput => ({
  AlarmName: 'queue-high', Namespace: 'App', MetricName: 'Queue', Statistic: 'Maximum', Period: 10, EvaluationPeriods: 1,
  Threshold: 50, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [policyArn], ...extra,
});

test('a new alarm is INSUFFICIENT_DATA until data comes; above the threshold it goes to ALARM and runs the step policy', async () => {
  await putMetricAlarm(alarmsCtx, queueAlarm());
  assert.equal((await alarm('queue-high')).state.value, 'INSUFFICIENT_DATA');
  await passAt(1_500);
  assert.equal((await alarm('queue-high')).state.value, 'INSUFFICIENT_DATA', 'no data: still insufficient');
  await put(65, T0 + 12_000);
  await put(80, T0 + 15_000);
  await passAt(19_000);
  assert.equal((await alarm('queue-high')).state.value, 'INSUFFICIENT_DATA', 'the period 10-20 s has not closed (and settled) yet');
  await passAt(21_000);
  const a = await alarm('queue-high');
  assert.equal(a.state.value, 'ALARM');
  assert.equal(a.state.reason, 'Threshold Crossed: 1 datapoint [80.0 (22/11/26 10:00:10)] was greater than the threshold (50.0).');
  assert.equal(desired.get('service/c/web'), 5, 'Maximum 80 is 30 above 50: the +3 step');
  assert.deepEqual(await causes(), ['Setting desired count to 5. monitor alarm queue-high in state ALARM triggered policy out']);
  assert.deepEqual(await history('queue-high'), [
    'Alarm "queue-high" created', 'Alarm updated from INSUFFICIENT_DATA to ALARM', `Successfully executed action ${policyArn}`,
  ]);
  const [p] = ((await describeScalingPolicies(scaling, { ServiceNamespace: 'ecs' })) as { ScalingPolicies: { Alarms: unknown }[] }).ScalingPolicies;
  assert.deepEqual(p!.Alarms, [{ AlarmName: 'queue-high', AlarmARN: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:queue-high' }], 'the policy lists the alarm that names it');
});

test('staying in ALARM runs the policy again each minute, once its cooldown is over', async () => {
  for (let s = 21; s <= 140; s += 5) await put(60, T0 + s * 1000);
  await passAt(31_000);
  await passAt(81_500);
  assert.equal(desired.get('service/c/web'), 5, 'a minute later, but within the 90 s cooldown');
  await passAt(141_500);
  assert.equal(desired.get('service/c/web'), 6, 'two minutes later: 60 is 10 above, the +1 step');
  assert.equal((await causes()).length, 2);
  assert.equal((await history('queue-high')).filter((h) => h.startsWith('Successfully executed')).length, 2, 'a repeat that changed nothing is not history');
});

test('inside the cooldown a larger step adds only what the last scale-out did not', async () => {
  for (let s = 145; s <= 195; s += 5) await put(95, T0 + s * 1000);
  await passAt(202_000);
  assert.equal(desired.get('service/c/web'), 8, 'the +3 step counted from 5, where the last scale-out (+1) began: 5 + 3');
});

test('below the threshold the alarm goes back to OK, and its actions stop', async () => {
  for (let s = 201; s <= 230; s += 3) await put(20, T0 + s * 1000);
  await passAt(212_000);
  assert.equal((await alarm('queue-high')).state.value, 'OK');
  assert.match((await alarm('queue-high')).state.reason, /^Threshold Crossed: 1 datapoint \[20\.0 \(22\/11\/26 10:03:20\)\] was not greater than the threshold \(50\.0\)\.$/);
  await passAt(300_000);
  assert.equal((await alarm('queue-high')).state.value, 'INSUFFICIENT_DATA', 'no data in the range any more');
  assert.equal(desired.get('service/c/web'), 8);
});

test('SetAlarmState to ALARM runs the policy on its StateReasonData; the next evaluation returns the alarm to its data', async () => {
  await setAlarmState(alarmsCtx, { AlarmName: 'queue-high', StateValue: 'ALARM', StateReason: 'testing', StateReasonData: JSON.stringify({ recentDatapoints: [55] }) });
  clock.set(T0 + 311_000);
  await syncAlarms(controller);
  assert.equal(desired.get('service/c/web'), 9, '55 is 5 above: +1');
  assert.equal((await alarm('queue-high')).state.value, 'INSUFFICIENT_DATA', 'the evaluation that followed: no data since 230 s');
  assert.deepEqual((await history('queue-high')).slice(-3), ['Alarm updated from INSUFFICIENT_DATA to ALARM', `Successfully executed action ${policyArn}`, 'Alarm updated from ALARM to INSUFFICIENT_DATA']);
});

test('disabled actions do not run; actions Pier does not perform are recorded as failed', async () => {
  await disableAlarmActions(alarmsCtx, { AlarmNames: ['queue-high'] });
  await setAlarmState(alarmsCtx, { AlarmName: 'queue-high', StateValue: 'ALARM', StateReason: 'x', StateReasonData: JSON.stringify({ recentDatapoints: [99] }) });
  clock.set(T0 + 600_000);
  await syncAlarms(controller);
  assert.equal(desired.get('service/c/web'), 9);
  const sns = 'arn:aws:sns:us-east-1:123456789012:ops';
  await putMetricAlarm(alarmsCtx, queueAlarm({ AlarmName: 'notify', AlarmActions: [sns], TreatMissingData: 'breaching' }));
  await passAt(611_000);
  assert.equal((await alarm('notify')).state.value, 'ALARM');
  assert.equal((await history('notify')).at(-1), `Failed to execute action ${sns}. Received error: "Pier does not perform SNS notifications"`);
});
