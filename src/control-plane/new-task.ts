/** Builds a task as RunTask returns it: PROVISIONING, containers PENDING, ENI PRECREATED. */
import { arns, type AccountScope } from '../ecs/arn.js';
import { PLATFORM_FAMILY, PLATFORM_VERSION } from '../ecs/enums.js';
import type { Container, Task } from '../ecs/wire.js';
import type { IdSource } from '../lib/ids.js';
import type { TaskDefinitionRecord } from '../store/store.js';

export interface NewTaskParams {
  scope: AccountScope;
  ids: IdSource;
  nowMs: number;
  clusterName: string;
  taskDefinition: TaskDefinitionRecord;
  size: { cpu: number; memory: number; ephemeralStorageGiB: number };
  overrides: Record<string, unknown>;
  capacityProviderName: string | undefined;
  availabilityZone: string;
  subnetId: string | undefined;
  group: string;
  startedBy: string | undefined;
  enableExecuteCommand: boolean;
}

interface ContainerDef { name: string; image: string; cpu?: number; memory?: number; memoryReservation?: number }
interface ContainerOverride { name?: string; cpu?: number; memory?: number; memoryReservation?: number }

export function newTask(p: NewTaskParams): { id: string; task: Task } {
  const id = p.ids.hex32();
  const taskArn = arns.task(p.scope, p.clusterName, id);
  const defs = (p.taskDefinition.body.containerDefinitions ?? []) as ContainerDef[];
  const overrides = (p.overrides.containerOverrides ?? []) as ContainerOverride[];
  const containers: Container[] = defs.map((d) => {
    const o = overrides.find((x) => x.name === d.name) ?? {};
    const memory = o.memory ?? d.memory;
    const memoryReservation = o.memoryReservation ?? d.memoryReservation;
    return {
      containerArn: arns.container(p.scope, p.clusterName, id, p.ids.uuid()),
      taskArn,
      name: d.name,
      image: d.image,
      lastStatus: 'PENDING',
      networkBindings: [],
      networkInterfaces: [],
      healthStatus: 'UNKNOWN',
      cpu: String(o.cpu ?? d.cpu ?? 0),
      ...(memory !== undefined ? { memory: String(memory) } : {}),
      ...(memoryReservation !== undefined ? { memoryReservation: String(memoryReservation) } : {}),
    };
  });
  const task: Task = {
    taskArn,
    clusterArn: arns.cluster(p.scope, p.clusterName),
    taskDefinitionArn: p.taskDefinition.arn,
    availabilityZone: p.availabilityZone,
    attachments: [{
      id: p.ids.uuid(),
      type: 'ElasticNetworkInterface',
      status: 'PRECREATED',
      details: p.subnetId ? [{ name: 'subnetId', value: p.subnetId }] : [],
    }],
    attributes: [{ name: 'ecs.cpu-architecture', value: 'x86_64' }],
    ...(p.capacityProviderName ? { capacityProviderName: p.capacityProviderName } : {}),
    containers,
    cpu: String(p.size.cpu),
    memory: String(p.size.memory),
    createdAt: p.nowMs / 1000,
    desiredStatus: 'RUNNING',
    lastStatus: 'PROVISIONING',
    enableExecuteCommand: p.enableExecuteCommand,
    ephemeralStorage: { sizeInGiB: p.size.ephemeralStorageGiB },
    fargateEphemeralStorage: { sizeInGiB: p.size.ephemeralStorageGiB },
    group: p.group,
    healthStatus: 'UNKNOWN',
    launchType: 'FARGATE',
    overrides: { containerOverrides: [], inferenceAcceleratorOverrides: [], ...p.overrides },
    platformVersion: PLATFORM_VERSION,
    platformFamily: PLATFORM_FAMILY,
    ...(p.startedBy !== undefined ? { startedBy: p.startedBy } : {}),
    version: 1,
  };
  return { id, task };
}
