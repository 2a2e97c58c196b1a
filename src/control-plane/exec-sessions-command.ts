/**
 * ExecuteCommand (ECS Exec): checks the task can take a command, issues a session and answers
 * as ECS does. ECS hands the caller an SSM Session Manager stream; Pier's stream is its own
 * (docs/exec.md), at the URL in `session.streamUrl`, attached with `session.tokenValue`.
 */
import { randomBytes } from 'node:crypto';
import { taskIdOf } from '../ecs/arn.js';
import { EcsError, InvalidParameterException } from '../ecs/errors.js';
import type { Container, Task } from '../ecs/wire.js';
import { activeCluster } from './clusters.js';
import type { ControlPlane } from './context.js';
import { execSessionsOf } from './exec-sessions.js';

/** In the ECS model; raised when the task's agent cannot be reached. */
export class TargetNotConnectedException extends EcsError { readonly code = 'TargetNotConnectedException'; }

export interface ExecuteCommandInput { cluster?: string; container?: string; command: string; interactive: boolean; task: string }

export interface ExecuteCommandOutput {
  clusterArn: string;
  containerArn: string;
  containerName: string;
  interactive: boolean;
  session: { sessionId: string; streamUrl: string; tokenValue: string };
  taskArn: string;
}

export const NOT_ENABLED = 'The execute command failed because execute command was not enabled when the task was run or the execute '
  + "command agent isn't running. Wait and try again or run a new task with execute command enabled and try again.";

export async function executeCommand(cp: ControlPlane, input: ExecuteCommandInput, caller: { principalArn: string }): Promise<ExecuteCommandOutput> {
  if (!input.interactive) throw new InvalidParameterException('Interactive is the only mode supported currently.');
  if (input.command.trim() === '') throw new InvalidParameterException('command cannot be empty.');
  const cluster = await activeCluster(cp.store.read, input.cluster);
  const ref = taskIdOf(input.task);
  const record = ref && (ref.cluster === undefined || ref.cluster === cluster.name) ? await cp.store.read.tasks.get(cluster.name, ref.id) : undefined;
  if (!record) throw new InvalidParameterException('The referenced task was not found.');
  const container = containerOf(record.task, input.container);
  if (!record.task.enableExecuteCommand || !agentRunning(record.task, container)) throw new InvalidParameterException(NOT_ENABLED);
  const host = record.hostId ? await cp.store.read.hosts.get(record.hostId) : undefined;
  if (!host || host.status !== 'ACTIVE') throw new TargetNotConnectedException('The execute command failed due to an internal error. Try again later.');
  const sessions = execSessionsOf(cp);
  const sessionId = `ecs-execute-command-${cp.ids.hex32().slice(0, 17)}`;
  const tokenValue = randomBytes(32).toString('base64url');
  sessions.issue({
    sessionId, principalArn: caller.principalArn, hostId: host.id, taskArn: record.task.taskArn, containerName: container.name,
    command: input.command, issuedAtMs: cp.clock.now(),
  }, tokenValue);
  cp.log.info('exec session issued', { sessionId, principalArn: caller.principalArn, taskArn: record.task.taskArn, container: container.name, command: input.command });
  return {
    clusterArn: record.task.clusterArn, containerArn: container.containerArn, containerName: container.name, interactive: true,
    session: { sessionId, streamUrl: `${sessions.streamBase}/_pier/exec/${sessionId}`, tokenValue },
    taskArn: record.task.taskArn,
  };
}

/** The named container, or the task's only one. */
function containerOf(task: Task, name: string | undefined): Container {
  if (name !== undefined) {
    const c = task.containers.find((x) => x.name === name);
    if (!c) throw new InvalidParameterException(`The container ${name} does not exist in the task. Specify a container that is in the task: ${task.containers.map((x) => x.name).join(', ')}.`);
    return c;
  }
  if (task.containers.length !== 1) {
    throw new InvalidParameterException(`The task has ${task.containers.length} containers. Specify the container to run the command in: ${task.containers.map((x) => x.name).join(', ')}.`);
  }
  return task.containers[0]!;
}

/** ECS Exec needs the task and the container running (their ExecuteCommandAgent RUNNING). */
function agentRunning(task: Task, container: Container): boolean {
  return task.lastStatus === 'RUNNING' && task.desiredStatus === 'RUNNING' && container.lastStatus === 'RUNNING';
}
