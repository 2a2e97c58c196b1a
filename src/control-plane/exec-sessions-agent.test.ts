import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Container, Task } from '../ecs/wire.js';
import { withExecuteCommandAgent } from './exec-sessions-agent.js';

const container = (lastStatus: Container['lastStatus'], managedAgents?: unknown[]): Container => ({
  containerArn: 'arn:c', taskArn: 'arn:t', name: 'app', image: 'busybox', lastStatus, networkBindings: [], networkInterfaces: [],
  healthStatus: 'UNKNOWN', cpu: '0', ...(managedAgents ? { managedAgents } : {}),
});
const task = (enableExecuteCommand: boolean, ...containers: Container[]): Task => ({ enableExecuteCommand, containers } as unknown as Task);

test('with ECS Exec, each container shows an ExecuteCommandAgent that follows its status', () => {
  const pending = withExecuteCommandAgent(task(true, container('PENDING')), 1_000);
  assert.deepEqual(pending.containers[0]!.managedAgents, [{ name: 'ExecuteCommandAgent', lastStatus: 'PENDING' }]);
  const running = withExecuteCommandAgent(task(true, container('RUNNING', pending.containers[0]!.managedAgents)), 2_000);
  assert.deepEqual(running.containers[0]!.managedAgents, [{ name: 'ExecuteCommandAgent', lastStatus: 'RUNNING', lastStartedAt: 2 }]);
  const again = withExecuteCommandAgent(running, 3_000);
  assert.equal(again, running, 'no change, same task');
  const stopped = withExecuteCommandAgent(task(true, container('STOPPED', running.containers[0]!.managedAgents)), 4_000);
  assert.deepEqual(stopped.containers[0]!.managedAgents, [{ name: 'ExecuteCommandAgent', lastStatus: 'STOPPED', lastStartedAt: 2 }]);
});

test('without ECS Exec, containers have no managed agent', () => {
  const t = task(false, container('RUNNING'));
  assert.equal(withExecuteCommandAgent(t, 1_000), t);
});
