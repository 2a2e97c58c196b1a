/**
 * The awslogs driver, control-plane side: a host sends the output of a container of a task it
 * runs; the group and stream come from the task definition (not from the host), and each byte
 * range of the container's output is stored once (src/logs/append.ts).
 */
import { awslogsConfig, AwslogsConfigError } from '../ecs/awslogs-config.js';
import { taskIdOf } from '../ecs/arn.js';
import { AwsError } from '../ecs/errors.js';
import type { ContainerDefinition } from '../ecs/task-definition/types.js';
import { appendTaskSourceEvents } from '../logs/append.js';
import type { LogsContext } from '../logs/context.js';
import type { ShipLogsRequest, ShipLogsResponse } from '../protocol/agent.js';
import type { HostRecord } from '../store/store.js';
import type { ControlPlane } from './context.js';
import { AgentProtocolError } from './hosts.js';
import { definitionOfTask } from './task-definitions.js';

export async function shipTaskLogs(cp: ControlPlane, logs: LogsContext, host: HostRecord, req: ShipLogsRequest): Promise<ShipLogsResponse> {
  const ref = taskIdOf(req.taskArn);
  if (!ref?.cluster) throw new AgentProtocolError(400, 'InvalidTask', 'taskArn must be a full task ARN.');
  const record = await cp.store.read.tasks.get(ref.cluster, ref.id);
  if (!record || record.hostId !== host.id) throw new AgentProtocolError(404, 'TaskNotAssigned', 'No such task on this host.');
  const def = await definitionOfTask(cp.store.read, record.task);
  const container = ((def?.body.containerDefinitions ?? []) as ContainerDefinition[]).find((c) => c.name === req.containerName);
  let config;
  try {
    config = container ? awslogsConfig(container, ref.id) : undefined;
  } catch (err) {
    if (err instanceof AwslogsConfigError) throw new AgentProtocolError(400, 'InvalidLogConfiguration', err.message);
    throw err;
  }
  if (!config) throw new AgentProtocolError(400, 'NotAwslogs', `Container ${req.containerName} of the task does not use the awslogs driver.`);
  try {
    const { watermark } = await appendTaskSourceEvents(logs, {
      logGroupName: config.logGroupName, logStreamName: config.logStreamName, createGroup: config.createGroup,
      source: req.source, toOffset: req.toOffset, events: req.events,
    });
    return { watermark };
  } catch (err) {
    // The agent shows this as the task's reason, in the words CloudWatch Logs would use.
    if (err instanceof AwsError) throw new AgentProtocolError(409, err.code, `${err.code}: ${err.message}`);
    throw err;
  }
}
