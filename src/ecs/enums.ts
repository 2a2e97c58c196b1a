/** ECS enums as `as const` objects plus union types, spelled as in the ECS model. */
export const TaskStatus = {
  PROVISIONING: 'PROVISIONING',
  PENDING: 'PENDING',
  ACTIVATING: 'ACTIVATING',
  RUNNING: 'RUNNING',
  DEACTIVATING: 'DEACTIVATING',
  STOPPING: 'STOPPING',
  DEPROVISIONING: 'DEPROVISIONING',
  STOPPED: 'STOPPED',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];
/** lastStatus only ever moves forward through this order. */
export const TASK_STATUS_ORDER: readonly TaskStatus[] = [
  'PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED',
];
export function taskStatusRank(s: TaskStatus): number {
  return TASK_STATUS_ORDER.indexOf(s);
}

export const DesiredStatus = { RUNNING: 'RUNNING', PENDING: 'PENDING', STOPPED: 'STOPPED' } as const;
export type DesiredStatus = (typeof DesiredStatus)[keyof typeof DesiredStatus];

export const ContainerStatus = { PENDING: 'PENDING', RUNNING: 'RUNNING', STOPPED: 'STOPPED' } as const;
export type ContainerStatus = (typeof ContainerStatus)[keyof typeof ContainerStatus];

export const StopCode = {
  TaskFailedToStart: 'TaskFailedToStart',
  EssentialContainerExited: 'EssentialContainerExited',
  UserInitiated: 'UserInitiated',
  ServiceSchedulerInitiated: 'ServiceSchedulerInitiated',
  SpotInterruption: 'SpotInterruption',
  TerminationNotice: 'TerminationNotice',
} as const;
export type StopCode = (typeof StopCode)[keyof typeof StopCode];

export const HealthStatus = { HEALTHY: 'HEALTHY', UNHEALTHY: 'UNHEALTHY', UNKNOWN: 'UNKNOWN' } as const;
export type HealthStatus = (typeof HealthStatus)[keyof typeof HealthStatus];

export const ClusterStatus = {
  ACTIVE: 'ACTIVE', PROVISIONING: 'PROVISIONING', DEPROVISIONING: 'DEPROVISIONING', FAILED: 'FAILED', INACTIVE: 'INACTIVE',
} as const;
export type ClusterStatus = (typeof ClusterStatus)[keyof typeof ClusterStatus];

export const TaskDefinitionStatus = {
  ACTIVE: 'ACTIVE', INACTIVE: 'INACTIVE', DELETE_IN_PROGRESS: 'DELETE_IN_PROGRESS',
} as const;
export type TaskDefinitionStatus = (typeof TaskDefinitionStatus)[keyof typeof TaskDefinitionStatus];

/** The capacity providers every cluster can use; Pier has no EC2 Auto Scaling providers. */
export const FargateCapacityProvider = { FARGATE: 'FARGATE', FARGATE_SPOT: 'FARGATE_SPOT' } as const;
export type FargateCapacityProvider = (typeof FargateCapacityProvider)[keyof typeof FargateCapacityProvider];

export const PLATFORM_VERSION = '1.4.0';
export const PLATFORM_FAMILY = 'Linux';
