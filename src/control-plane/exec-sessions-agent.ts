/**
 * ECS shows ECS Exec's agent on each container of a task run with enableExecuteCommand:
 * `managedAgents: [{ name: 'ExecuteCommandAgent', lastStatus, lastStartedAt }]`, RUNNING while
 * the container runs. Pier's exec agent is the host agent itself, so its status follows the
 * container's. Pure: applied to every task an agent report changes.
 */
import type { Container, Task } from '../ecs/wire.js';

export const EXECUTE_COMMAND_AGENT = 'ExecuteCommandAgent';

interface ManagedAgent { name: string; lastStatus: string; lastStartedAt?: number }

export function withExecuteCommandAgent(task: Task, nowMs: number): Task {
  if (!task.enableExecuteCommand) return task;
  let changed = false;
  const containers = task.containers.map((c) => {
    const next = agentOf(c, nowMs);
    if (next === c) return c;
    changed = true;
    return next;
  });
  return changed ? { ...task, containers } : task;
}

function agentOf(c: Container, nowMs: number): Container {
  const current = (c.managedAgents ?? []).find((a) => (a as ManagedAgent).name === EXECUTE_COMMAND_AGENT) as ManagedAgent | undefined;
  if (current?.lastStatus === c.lastStatus) return c;
  const agent: ManagedAgent = {
    name: EXECUTE_COMMAND_AGENT, lastStatus: c.lastStatus,
    ...(c.lastStatus === 'RUNNING' ? { lastStartedAt: nowMs / 1000 } : current?.lastStartedAt !== undefined ? { lastStartedAt: current.lastStartedAt } : {}),
  };
  const others = (c.managedAgents ?? []).filter((a) => (a as ManagedAgent).name !== EXECUTE_COMMAND_AGENT);
  return { ...c, managedAgents: [agent, ...others] };
}
