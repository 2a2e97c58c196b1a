/**
 * The awslogs driver, control-plane side: a host sends the output of a container of a task it
 * runs; the group and stream come from the task definition (not from the host), and each byte
 * range of the container's output is stored once (src/logs/append.ts).
 */
import { awslogsConfig, AwslogsConfigError } from '../ecs/awslogs-config.js';
import { AwsError } from '../ecs/errors.js';
import type { ContainerDefinition } from '../ecs/task-definition/types.js';
import { appendTaskSourceEvents } from '../logs/append.js';
import type { LogsContext } from '../logs/context.js';
import type { ShipLogsRequest, ShipLogsResponse } from '../protocol/agent.js';
import type { HostRecord } from '../store/store.js';
import type { ControlPlane } from './context.js';
import { AgentProtocolError } from './hosts.js';
import { definitionOfTask } from './task-definitions.js';
import { taskOfHost } from './task-roles.js';

/** Where a container's awslogs output goes, as its task and definition say. */
type ShipTarget = NonNullable<ReturnType<typeof awslogsConfig>>;

const TARGET_TTL_MS = 1_000;

/**
 * Recently resolved targets, so a stream of batches from one container costs one task and
 * definition read a second rather than one each. Entries live TARGET_TTL_MS.
 */
export class ShipTargetCache {
  private readonly entries = new Map<string, { target: ShipTarget; until: number }>();
  constructor(private readonly now: () => number = Date.now) {}
  get(key: string): ShipTarget | undefined {
    const e = this.entries.get(key);
    if (e && e.until > this.now()) return e.target;
    this.entries.delete(key);
    return undefined;
  }
  set(key: string, target: ShipTarget): void {
    if (this.entries.size >= 10_000) this.entries.clear();
    this.entries.set(key, { target, until: this.now() + TARGET_TTL_MS });
  }
}

async function resolveTarget(cp: ControlPlane, host: HostRecord, req: ShipLogsRequest): Promise<ShipTarget> {
  const record = await taskOfHost(cp, host, req.taskArn);
  const def = await definitionOfTask(cp.store.read, record.task);
  const container = ((def?.body.containerDefinitions ?? []) as ContainerDefinition[]).find((c) => c.name === req.containerName);
  let config;
  try {
    config = container ? awslogsConfig(container, record.id) : undefined;
  } catch (err) {
    if (err instanceof AwslogsConfigError) throw new AgentProtocolError(400, 'InvalidLogConfiguration', err.message);
    throw err;
  }
  if (!config) throw new AgentProtocolError(400, 'NotAwslogs', `Container ${req.containerName} of the task does not use the awslogs driver.`);
  return config;
}

export async function shipTaskLogs(cp: ControlPlane, logs: LogsContext, host: HostRecord, req: ShipLogsRequest, targets?: ShipTargetCache): Promise<ShipLogsResponse> {
  const key = `${host.id} ${req.taskArn} ${req.containerName}`;
  let config = targets?.get(key);
  if (!config) {
    config = await resolveTarget(cp, host, req);
    targets?.set(key, config);
  }
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
