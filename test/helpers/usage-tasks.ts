/** Task records for metering's tests: a 0.5 vCPU / 1 GB task, running or saved as stopped. */
import type { Task } from '../../src/ecs/wire.js';
import type { TaskRecord } from '../../src/store/store.js';

export const ARN = (c: string, id: string): string => `arn:aws:ecs:us-east-1:123456789012:task/${c}/${id}`;

export interface TaskOpts { cluster?: string; service?: string; spot?: boolean; pullAt?: number; stopAt?: number; disk?: number; version?: number }

/** A task of 0.5 vCPU / 1 GB; times in epoch seconds as the Task shape has them. */
export function usageTask(id: string, o: TaskOpts = {}): TaskRecord {
  const c = o.cluster ?? 'prod';
  const task = {
    taskArn: ARN(c, id), clusterArn: `arn:aws:ecs:us-east-1:123456789012:cluster/${c}`,
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/api:3', attachments: [], attributes: [], containers: [],
    cpu: '512', memory: '1024', createdAt: 1_765_000_000, desiredStatus: o.stopAt === undefined ? 'RUNNING' : 'STOPPED',
    lastStatus: o.stopAt === undefined ? 'RUNNING' : 'STOPPED', enableExecuteCommand: false,
    ...(o.disk !== undefined ? { ephemeralStorage: { sizeInGiB: o.disk } } : {}),
    healthStatus: 'UNKNOWN', launchType: 'FARGATE', ...(o.spot ? { capacityProviderName: 'FARGATE_SPOT' } : {}),
    overrides: {}, platformVersion: '1.4.0', platformFamily: 'Linux', version: o.version ?? 1,
    ...(o.pullAt !== undefined ? { pullStartedAt: o.pullAt } : {}), ...(o.stopAt !== undefined ? { stoppedAt: o.stopAt } : {}),
  } as unknown as Task;
  return {
    id, clusterName: c, hostId: 'h1', family: 'api', startedBy: undefined, serviceName: o.service,
    size: { cpu: 512, memory: 1024, ephemeralStorageGiB: 20 }, networkConfiguration: undefined, task,
  };
}

/** The same task, saved as stopped at `stopAt` (what an agent's report does). */
export function stopped(r: TaskRecord, stopAt: number): TaskRecord {
  return { ...r, task: { ...r.task, desiredStatus: 'STOPPED', lastStatus: 'STOPPED', stoppedAt: stopAt, version: r.task.version + 1 } };
}

