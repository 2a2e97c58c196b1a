/**
 * The store's behaviour suite for CloudWatch metric alarms: alarms (insert once, versioned replace,
 * filters by names, name prefix, state, action prefix and metric, pages in name order, removal of
 * the names that exist) and their history (newest first or oldest first, filtered by alarm, type
 * and time, paged, kept after the alarm goes), what reset clears and what survives a reopen. Every
 * store implementation must pass it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AlarmHistoryRecord, type AlarmListQuery, ConflictError, type MetricAlarmRecord } from '../../src/store/store.js';
import { describeStoreContract } from '../helpers/store-contract.js';

function alarm(name: string, extra: Partial<MetricAlarmRecord> = {}, config: Partial<MetricAlarmRecord['config']> = {}): MetricAlarmRecord {
  return {
    name, arn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
    config: {
      ActionsEnabled: true, OKActions: [], AlarmActions: [], InsufficientDataActions: [], Namespace: 'App', MetricName: 'Load',
      Dimensions: [{ Name: 'Service', Value: 'web' }], Statistic: 'Average', Period: 60, EvaluationPeriods: 1, Threshold: 50,
      ComparisonOperator: 'GreaterThanThreshold', ...config,
    },
    state: { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', updatedAt: 1_000, transitionedAt: 1_000 },
    tags: [], createdAt: 1_000, configurationUpdatedAt: 1_000, evaluation: { actedOnTransitionAt: 1_000 }, version: 1, ...extra,
  };
}

const item = (alarmName: string, timestamp: number, type: AlarmHistoryRecord['type'] = 'StateUpdate'): AlarmHistoryRecord =>
  ({ alarmName, timestamp, type, summary: `${alarmName} at ${timestamp}`, data: '{}' });

describeStoreContract('alarms', 'pier-store-alarms-', (subject) => {
  const repo = () => subject.store.read.alarms;
  const names = async (q: Partial<AlarmListQuery>) => (await repo().list({ limit: 10, ...q })).items.map((a) => a.name);

  test('alarms: inserted once, replaced only at their version, found by name', async () => {
    const a = alarm('cpu-high', { tags: [{ Key: 'team', Value: 'web' }] }, { AlarmActions: ['arn:aws:sns:us-east-1:123456789012:t'] });
    await subject.store.transaction((tx) => tx.alarms.put(a));
    assert.deepEqual(await repo().get('cpu-high'), a);
    assert.equal(await repo().get('nope'), undefined);
    await assert.rejects(subject.store.transaction((tx) => tx.alarms.put(a)), ConflictError);
    const b: MetricAlarmRecord = {
      ...a, state: { value: 'ALARM', reason: 'Threshold Crossed', reasonData: '{"version":"1.0"}', updatedAt: 2_000, transitionedAt: 2_000 },
      evaluation: { lastPeriodEnd: 1_960, recentDatapoints: [75, 80] }, version: 2,
    };
    await subject.store.transaction((tx) => tx.alarms.put(b, 1));
    await assert.rejects(subject.store.transaction((tx) => tx.alarms.put({ ...b, version: 3 }, 1)), ConflictError);
    assert.deepEqual(await repo().get('cpu-high'), b, 'the refused write changed nothing');
  });

  test('alarms: listed in name order, filtered by names, prefix, state, action prefix and metric, in pages', async () => {
    await subject.store.transaction(async (tx) => {
      await tx.alarms.put(alarm('cpu_%low', { state: { value: 'OK', reason: 'r', updatedAt: 1, transitionedAt: 1 } }));
      await tx.alarms.put(alarm('cpuXlow'));
      await tx.alarms.put(alarm('mem', {}, { Namespace: 'Other', OKActions: ['arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x'] }));
    });
    assert.deepEqual(await names({}), ['cpu-high', 'cpuXlow', 'cpu_%low', 'mem'], 'byte order');
    assert.deepEqual(await names({ names: ['mem', 'cpu-high', 'gone'] }), ['cpu-high', 'mem']);
    assert.deepEqual(await names({ namePrefix: 'cpu_%' }), ['cpu_%low'], '% and _ are plain characters in a prefix');
    assert.deepEqual(await names({ stateValue: 'ALARM' }), ['cpu-high']);
    assert.deepEqual(await names({ stateValue: 'OK' }), ['cpu_%low']);
    assert.deepEqual(await names({ actionPrefix: 'arn:aws:sns:' }), ['cpu-high']);
    assert.deepEqual(await names({ actionPrefix: 'arn:aws:autoscaling:us-east-1' }), ['mem'], 'OK actions count too');
    assert.deepEqual(await names({ namespace: 'App', metricName: 'Load' }), ['cpu-high', 'cpuXlow', 'cpu_%low']);
    assert.deepEqual(await names({ namespace: 'App', metricName: 'Other' }), []);
    const first = await repo().list({ limit: 3 });
    assert.deepEqual(first.items.map((a) => a.name), ['cpu-high', 'cpuXlow', 'cpu_%low']);
    assert.equal(first.nextKey, 'cpu_%low');
    const second = await repo().list({ limit: 3, afterName: first.nextKey! });
    assert.deepEqual([second.items.map((a) => a.name), second.nextKey], [['mem'], undefined]);
  });

  test('alarms: removing returns the names that existed', async () => {
    assert.deepEqual(await subject.store.transaction((tx) => tx.alarms.remove(['cpuXlow', 'gone'])), ['cpuXlow']);
    assert.deepEqual(await subject.store.transaction((tx) => tx.alarms.remove(['cpuXlow'])), []);
    assert.deepEqual(await names({}), ['cpu-high', 'cpu_%low', 'mem']);
  });

  test('history: newest first or oldest first, filtered by alarm, type and time, paged; kept after its alarm goes', async () => {
    await subject.store.transaction((tx) => tx.alarms.addHistory([item('cpuXlow', 10, 'ConfigurationUpdate'), item('cpu-high', 20), item('cpuXlow', 30, 'Action')]));
    await subject.store.transaction((tx) => tx.alarms.addHistory([item('cpuXlow', 40)]));
    const summaries = async (q: Partial<Parameters<ReturnType<typeof repo>['history']>[0]>) =>
      (await repo().history({ ascending: false, limit: 10, ...q })).items.map((h) => h.summary);
    assert.deepEqual(await summaries({}), ['cpuXlow at 40', 'cpuXlow at 30', 'cpu-high at 20', 'cpuXlow at 10']);
    assert.deepEqual(await summaries({ ascending: true, alarmName: 'cpuXlow' }), ['cpuXlow at 10', 'cpuXlow at 30', 'cpuXlow at 40']);
    assert.deepEqual(await summaries({ type: 'Action' }), ['cpuXlow at 30']);
    assert.deepEqual(await summaries({ fromMs: 20, toMs: 40 }), ['cpuXlow at 30', 'cpu-high at 20'], '[from, to)');
    assert.deepEqual((await repo().history({ ascending: false, limit: 10, alarmName: 'cpuXlow' })).items[0], item('cpuXlow', 40));
    const p1 = await repo().history({ ascending: false, limit: 3 });
    assert.equal(p1.items.length, 3);
    const p2 = await repo().history({ ascending: false, limit: 3, afterKey: p1.nextKey! });
    assert.deepEqual([p2.items.map((h) => h.summary), p2.nextKey], [['cpuXlow at 10'], undefined]);
    const a1 = await repo().history({ ascending: true, limit: 2 });
    assert.deepEqual((await repo().history({ ascending: true, limit: 2, afterKey: a1.nextKey! })).items.map((h) => h.summary), ['cpuXlow at 30', 'cpuXlow at 40']);
  });

  test('survives a reopen; reset clears it all', async () => {
    await subject.reopen();
    assert.equal((await repo().get('cpu-high'))?.state.value, 'ALARM');
    assert.equal((await repo().history({ ascending: false, limit: 10 })).items.length, 4);
    await subject.store.reset();
    assert.deepEqual(await names({}), []);
    assert.deepEqual((await repo().history({ ascending: false, limit: 10 })).items, []);
  });
});
