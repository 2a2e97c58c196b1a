/**
 * ECS wire shapes Pier produces, with AWS spelling. Timestamps are epoch seconds (numbers).
 * Members are optional exactly where the model lets ECS omit them; absent means "omit the key".
 */
import type { ContainerStatus, DesiredStatus, HealthStatus, StopCode, TaskStatus } from './enums.js';

export interface Tag { key: string; value: string }
export interface KeyValuePair { name: string; value: string }
export interface Failure { arn?: string; reason?: string; detail?: string }

export interface CapacityProviderStrategyItem { capacityProvider: string; weight?: number; base?: number }
export interface ClusterSetting { name: string; value: string }

export interface Cluster {
  clusterArn: string;
  clusterName: string;
  status: string;
  registeredContainerInstancesCount: number;
  runningTasksCount: number;
  pendingTasksCount: number;
  activeServicesCount: number;
  statistics: KeyValuePair[];
  tags: Tag[];
  settings: ClusterSetting[];
  capacityProviders: string[];
  defaultCapacityProviderStrategy: CapacityProviderStrategyItem[];
  attachments?: unknown[];
  attachmentsStatus?: string;
  configuration?: Record<string, unknown>;
  serviceConnectDefaults?: { namespace: string };
}

export interface NetworkInterface { attachmentId?: string; privateIpv4Address?: string; ipv6Address?: string }

export interface Container {
  containerArn: string;
  taskArn: string;
  name: string;
  image: string;
  imageDigest?: string;
  runtimeId?: string;
  lastStatus: ContainerStatus;
  exitCode?: number;
  reason?: string;
  networkBindings: unknown[];
  networkInterfaces: NetworkInterface[];
  healthStatus: HealthStatus;
  managedAgents?: unknown[];
  cpu: string;
  memory?: string;
  memoryReservation?: string;
  gpuIds?: string[];
}

export interface Attachment {
  id: string;
  type: string;
  status: string;
  details: KeyValuePair[];
}

export interface Task {
  taskArn: string;
  clusterArn: string;
  taskDefinitionArn: string;
  availabilityZone?: string;
  attachments: Attachment[];
  attributes: { name: string; value?: string }[];
  capacityProviderName?: string;
  connectivity?: 'CONNECTED' | 'DISCONNECTED';
  connectivityAt?: number;
  containers: Container[];
  cpu: string;
  memory: string;
  createdAt: number;
  desiredStatus: DesiredStatus;
  lastStatus: TaskStatus;
  enableExecuteCommand: boolean;
  ephemeralStorage: { sizeInGiB: number };
  fargateEphemeralStorage: { sizeInGiB: number; kmsKeyId?: string };
  executionStoppedAt?: number;
  group?: string;
  healthStatus: HealthStatus;
  launchType: string;
  overrides: Record<string, unknown>;
  platformVersion: string;
  platformFamily: string;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  startedAt?: number;
  startedBy?: string;
  stopCode?: StopCode;
  stoppedAt?: number;
  stoppedReason?: string;
  stoppingAt?: number;
  tags?: Tag[];
  version: number;
}
