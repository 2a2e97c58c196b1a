import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { TASK_STATUS_ORDER, taskStatusRank, type TaskStatus } from '../ecs/enums.js';
import type { Task } from '../ecs/wire.js';
import { applyReport, requestStop, stopOnLostHost, stopUnstarted } from './task-lifecycle.js';

const T0 = 1_800_000_000_000;

function provisioningTask(): Task {
  return {
    taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/default/0123456789abcdef0123456789abcdef',
    clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default',
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1',
    attachments: [{ id: 'a1', type: 'ElasticNetworkInterface', status: 'PRECREATED', details: [{ name: 'subnetId', value: 'subnet-12345678' }] }],
    attributes: [],
    containers: [
      { containerArn: 'c1', taskArn: 't', name: 'app', image: 'busybox', lastStatus: 'PENDING', networkBindings: [], networkInterfaces: [], healthStatus: 'UNKNOWN', cpu: '0' },
      { containerArn: 'c2', taskArn: 't', name: 'sidecar', image: 'busybox', lastStatus: 'PENDING', networkBindings: [], networkInterfaces: [], healthStatus: 'UNKNOWN', cpu: '0' },
    ],
    cpu: '256', memory: '512', createdAt: T0 / 1000, desiredStatus: 'RUNNING', lastStatus: 'PROVISIONING',
    enableExecuteCommand: false, ephemeralStorage: { sizeInGiB: 20 }, fargateEphemeralStorage: { sizeInGiB: 20 },
    healthStatus: 'UNKNOWN', launchType: 'FARGATE', overrides: {}, platformVersion: '1.4.0', platformFamily: 'Linux', version: 1,
  };
}

describe('task lifecycle', () => {
  test('a normal run sets every timestamp once, in order, and bumps version per change', () => {
    let t = provisioningTask();
    t = applyReport(t, { lastStatus: 'PENDING', pullStartedAt: T0 + 100, pullStoppedAt: T0 + 900 }, T0 + 1000).task;
    assert.equal(t.lastStatus, 'PENDING');
    assert.equal(t.pullStartedAt, (T0 + 100) / 1000);
    assert.equal(t.pullStoppedAt, (T0 + 900) / 1000);
    assert.equal(t.attachments[0]!.status, 'ATTACHED');
    assert.equal(t.version, 2);
    t = applyReport(t, { lastStatus: 'RUNNING', containers: [{ name: 'app', lastStatus: 'RUNNING', runtimeId: 'x-0' }] }, T0 + 2000).task;
    assert.equal(t.lastStatus, 'RUNNING');
    assert.equal(t.startedAt, (T0 + 2000) / 1000);
    assert.equal(t.connectivity, 'CONNECTED');
    assert.equal(t.connectivityAt, (T0 + 2000) / 1000);
    assert.equal(t.containers[0]!.runtimeId, 'x-0');
    assert.equal(t.containers[0]!.lastStatus, 'RUNNING');
    assert.equal(t.containers[1]!.lastStatus, 'PENDING');
    assert.equal(t.version, 3);
  });

  test('StopTask: desiredStatus STOPPED, stopCode and reason set at once; the first reason wins', () => {
    const running = applyReport(provisioningTask(), { lastStatus: 'RUNNING' }, T0).task;
    const stopped = requestStop(running, { stopCode: 'UserInitiated', reason: 'Task stopped by user' }, T0 + 5000);
    assert.equal(stopped.changed, true);
    assert.equal(stopped.task.desiredStatus, 'STOPPED');
    assert.equal(stopped.task.lastStatus, 'RUNNING', 'lastStatus belongs to the agent');
    assert.equal(stopped.task.stopCode, 'UserInitiated');
    assert.equal(stopped.task.stoppingAt, (T0 + 5000) / 1000);
    const again = requestStop(stopped.task, { stopCode: 'ServiceSchedulerInitiated', reason: 'other' }, T0 + 6000);
    assert.equal(again.changed, false);
    assert.equal(again.task.stoppedReason, 'Task stopped by user');
  });

  test('an essential exit reported by the agent becomes EssentialContainerExited with ECS wording', () => {
    let t = applyReport(provisioningTask(), { lastStatus: 'RUNNING' }, T0).task;
    t = applyReport(t, { lastStatus: 'STOPPED', containers: [{ name: 'app', lastStatus: 'STOPPED', exitCode: 3 }] }, T0 + 10_000).task;
    assert.equal(t.desiredStatus, 'STOPPED');
    assert.equal(t.stopCode, 'EssentialContainerExited');
    assert.equal(t.stoppedReason, 'Essential container in task exited');
    assert.equal(t.containers[0]!.exitCode, 3);
    assert.equal(t.stoppedAt, (T0 + 10_000) / 1000);
    assert.equal(t.executionStoppedAt, (T0 + 10_000) / 1000);
    assert.ok(t.containers.every((c) => c.lastStatus === 'STOPPED'));
    assert.equal(t.attachments[0]!.status, 'DELETED');
    assert.equal(t.connectivity, 'DISCONNECTED');
  });

  test('a task that never ran and stops on its own is TaskFailedToStart with the agent reason', () => {
    const t = applyReport(provisioningTask(), {
      lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: pull access denied',
    }, T0).task;
    assert.equal(t.stopCode, 'TaskFailedToStart');
    assert.equal(t.stoppedReason, 'CannotPullContainerError: pull access denied');
    assert.equal(t.startedAt, undefined);
  });

  test('a user stop keeps the user reason when the agent later reports STOPPED', () => {
    let t = applyReport(provisioningTask(), { lastStatus: 'RUNNING' }, T0).task;
    t = requestStop(t, { stopCode: 'UserInitiated', reason: 'bye' }, T0 + 1).task;
    t = applyReport(t, { lastStatus: 'STOPPED', containers: [{ name: 'app', lastStatus: 'STOPPED', exitCode: 143 }] }, T0 + 2).task;
    assert.equal(t.stopCode, 'UserInitiated');
    assert.equal(t.stoppedReason, 'bye');
    assert.equal(t.containers[0]!.exitCode, 143);
  });

  test('late and repeated reports change nothing', () => {
    const running = applyReport(provisioningTask(), { lastStatus: 'RUNNING' }, T0).task;
    const late = applyReport(running, { lastStatus: 'PENDING' }, T0 + 1);
    assert.equal(late.changed, false);
    assert.equal(late.task, running);
    const repeat = applyReport(running, { lastStatus: 'RUNNING' }, T0 + 2);
    assert.equal(repeat.changed, false);
  });

  test('a stop before any host picked the task up goes straight to STOPPED', () => {
    const asked = requestStop(provisioningTask(), { stopCode: 'UserInitiated', reason: 'Task stopped by user' }, T0).task;
    const t = stopUnstarted(asked, T0 + 1).task;
    assert.equal(t.lastStatus, 'STOPPED');
    assert.equal(t.stoppedAt, (T0 + 1) / 1000);
    assert.equal(t.containers[0]!.reason, 'Task stopped before it was started');
  });

  test('a lost host stops its tasks with a reason; running ones as TerminationNotice, unstarted as TaskFailedToStart', () => {
    const running = applyReport(provisioningTask(), { lastStatus: 'RUNNING' }, T0).task;
    const a = stopOnLostHost(running, 'Host h-1 stopped responding', T0 + 1).task;
    assert.equal(a.lastStatus, 'STOPPED');
    assert.equal(a.stopCode, 'TerminationNotice');
    assert.equal(a.stoppedReason, 'Host h-1 stopped responding');
    const b = stopOnLostHost(provisioningTask(), 'Host h-1 stopped responding', T0 + 1).task;
    assert.equal(b.stopCode, 'TaskFailedToStart');
    assert.equal(stopOnLostHost(a, 'again', T0 + 2).changed, false);
  });

  test('property: lastStatus never moves backward and version never decreases, whatever reports arrive', () => {
    const status = fc.constantFrom(...TASK_STATUS_ORDER);
    fc.assert(fc.property(fc.array(fc.record({ s: status, stop: fc.boolean() }), { maxLength: 20 }), (events) => {
      let t = provisioningTask();
      let now = T0;
      for (const e of events) {
        now += 1000;
        const before = t;
        t = e.stop ? requestStop(t, { stopCode: 'UserInitiated', reason: 'r' }, now).task : applyReport(t, { lastStatus: e.s as TaskStatus }, now).task;
        assert.ok(taskStatusRank(t.lastStatus) >= taskStatusRank(before.lastStatus));
        assert.ok(t.version >= before.version);
        if (before.desiredStatus === 'STOPPED') assert.equal(t.desiredStatus, 'STOPPED');
        if (t.lastStatus === 'STOPPED') {
          assert.equal(t.desiredStatus, 'STOPPED');
          assert.ok(t.stopCode && t.stoppedReason && t.stoppedAt !== undefined);
        }
      }
    }));
  });
});
