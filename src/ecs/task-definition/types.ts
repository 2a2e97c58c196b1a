/**
 * Wire shapes (AWS JSON 1.1, botocore `ecs/service-2.json`) for task definitions and RunTask
 * overrides. Members keep AWS spelling and are optional where the model makes them optional;
 * absent values are omitted, never `null`. Timestamps are epoch seconds.
 */

export type Compatibility = 'EC2' | 'FARGATE' | 'EXTERNAL' | 'MANAGED_INSTANCES';
export type NetworkMode = 'bridge' | 'host' | 'awsvpc' | 'none';
export type PidMode = 'host' | 'task';
export type IpcMode = 'host' | 'task' | 'none';
export type TransportProtocol = 'tcp' | 'udp';
export type ApplicationProtocol = 'http' | 'http2' | 'grpc';
export type ContainerCondition = 'START' | 'COMPLETE' | 'SUCCESS' | 'HEALTHY';
export type LogDriver =
  | 'json-file' | 'syslog' | 'journald' | 'gelf' | 'fluentd' | 'awslogs' | 'splunk' | 'awsfirelens';
export type CpuArchitecture = 'X86_64' | 'ARM64';
export type OsFamily =
  | 'WINDOWS_SERVER_2019_FULL' | 'WINDOWS_SERVER_2019_CORE' | 'WINDOWS_SERVER_2016_FULL'
  | 'WINDOWS_SERVER_2004_CORE' | 'WINDOWS_SERVER_2022_CORE' | 'WINDOWS_SERVER_2022_FULL'
  | 'WINDOWS_SERVER_2025_CORE' | 'WINDOWS_SERVER_2025_FULL' | 'WINDOWS_SERVER_20H2_CORE' | 'LINUX';
export type EnabledDisabled = 'ENABLED' | 'DISABLED';
export type TaskDefinitionStatus = 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';

export interface KeyValuePair { name?: string; value?: string }
export interface Tag { key?: string; value?: string }
export interface RepositoryCredentials { credentialsParameter: string }
export interface EnvironmentFile { value: string; type: 's3' }
export interface Secret { name: string; valueFrom: string }
export interface HostEntry { hostname: string; ipAddress: string }
export interface SystemControl { namespace?: string; value?: string }
export interface ResourceRequirement { value: string; type: 'GPU' | 'InferenceAccelerator' }
export interface Attribute { name: string; value?: string; targetType?: 'container-instance'; targetId?: string }

export interface PortMapping {
  containerPort?: number;
  hostPort?: number;
  protocol?: TransportProtocol;
  name?: string;
  appProtocol?: ApplicationProtocol;
  containerPortRange?: string;
}

export interface MountPoint { sourceVolume?: string; containerPath?: string; readOnly?: boolean }
export interface VolumeFrom { sourceContainer?: string; readOnly?: boolean }

export interface ContainerRestartPolicy {
  enabled: boolean;
  ignoredExitCodes?: number[];
  restartAttemptPeriod?: number;
}

export interface KernelCapabilities { add?: string[]; drop?: string[] }
export interface Device { hostPath: string; containerPath?: string; permissions?: ('read' | 'write' | 'mknod')[] }
export interface Tmpfs { containerPath: string; size: number; mountOptions?: string[] }
export interface LinuxParameters {
  capabilities?: KernelCapabilities;
  devices?: Device[];
  initProcessEnabled?: boolean;
  sharedMemorySize?: number;
  tmpfs?: Tmpfs[];
  maxSwap?: number;
  swappiness?: number;
}

export interface ContainerDependency { containerName: string; condition: ContainerCondition }

export interface Ulimit {
  name: 'core' | 'cpu' | 'data' | 'fsize' | 'locks' | 'memlock' | 'msgqueue' | 'nice' | 'nofile' | 'nproc'
    | 'rss' | 'rtprio' | 'rttime' | 'sigpending' | 'stack';
  softLimit: number;
  hardLimit: number;
}

export interface LogConfiguration {
  logDriver: LogDriver;
  options?: Record<string, string>;
  secretOptions?: Secret[];
}

export interface HealthCheck {
  command: string[];
  interval?: number;
  timeout?: number;
  retries?: number;
  startPeriod?: number;
}

export interface FirelensConfiguration { type: 'fluentd' | 'fluentbit'; options?: Record<string, string> }

export interface ContainerDefinition {
  name?: string;
  image?: string;
  repositoryCredentials?: RepositoryCredentials;
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
  links?: string[];
  portMappings?: PortMapping[];
  essential?: boolean;
  restartPolicy?: ContainerRestartPolicy;
  entryPoint?: string[];
  command?: string[];
  environment?: KeyValuePair[];
  environmentFiles?: EnvironmentFile[];
  mountPoints?: MountPoint[];
  volumesFrom?: VolumeFrom[];
  linuxParameters?: LinuxParameters;
  secrets?: Secret[];
  dependsOn?: ContainerDependency[];
  startTimeout?: number;
  stopTimeout?: number;
  versionConsistency?: 'enabled' | 'disabled';
  hostname?: string;
  user?: string;
  workingDirectory?: string;
  disableNetworking?: boolean;
  privileged?: boolean;
  readonlyRootFilesystem?: boolean;
  dnsServers?: string[];
  dnsSearchDomains?: string[];
  extraHosts?: HostEntry[];
  dockerSecurityOptions?: string[];
  interactive?: boolean;
  pseudoTerminal?: boolean;
  dockerLabels?: Record<string, string>;
  ulimits?: Ulimit[];
  logConfiguration?: LogConfiguration;
  healthCheck?: HealthCheck;
  systemControls?: SystemControl[];
  resourceRequirements?: ResourceRequirement[];
  firelensConfiguration?: FirelensConfiguration;
  credentialSpecs?: string[];
}

export interface HostVolumeProperties { sourcePath?: string }
export interface DockerVolumeConfiguration {
  scope?: 'task' | 'shared';
  autoprovision?: boolean;
  driver?: string;
  driverOpts?: Record<string, string>;
  labels?: Record<string, string>;
}
export interface EfsAuthorizationConfig { accessPointId?: string; iam?: EnabledDisabled }
export interface EfsVolumeConfiguration {
  fileSystemId: string;
  rootDirectory?: string;
  transitEncryption?: EnabledDisabled;
  transitEncryptionPort?: number;
  authorizationConfig?: EfsAuthorizationConfig;
}
export interface S3FilesVolumeConfiguration {
  fileSystemArn: string;
  rootDirectory?: string;
  transitEncryptionPort?: number;
  accessPointArn?: string;
}
export interface FsxWindowsFileServerVolumeConfiguration {
  fileSystemId: string;
  rootDirectory: string;
  authorizationConfig: { credentialsParameter: string; domain: string };
}
export interface Volume {
  name?: string;
  host?: HostVolumeProperties;
  dockerVolumeConfiguration?: DockerVolumeConfiguration;
  efsVolumeConfiguration?: EfsVolumeConfiguration;
  s3filesVolumeConfiguration?: S3FilesVolumeConfiguration;
  fsxWindowsFileServerVolumeConfiguration?: FsxWindowsFileServerVolumeConfiguration;
  configuredAtLaunch?: boolean;
}

export interface TaskDefinitionPlacementConstraint { type?: 'memberOf'; expression?: string }
export interface ProxyConfiguration { type?: 'APPMESH'; containerName: string; properties?: KeyValuePair[] }
export interface InferenceAccelerator { deviceName: string; deviceType: string }
export interface EphemeralStorage { sizeInGiB: number }
export interface RuntimePlatform { cpuArchitecture?: CpuArchitecture; operatingSystemFamily?: OsFamily }

export interface RegisterTaskDefinitionRequest {
  family: string;
  taskRoleArn?: string;
  executionRoleArn?: string;
  networkMode?: NetworkMode;
  containerDefinitions: ContainerDefinition[];
  volumes?: Volume[];
  placementConstraints?: TaskDefinitionPlacementConstraint[];
  requiresCompatibilities?: Compatibility[];
  cpu?: string;
  memory?: string;
  tags?: Tag[];
  pidMode?: PidMode;
  ipcMode?: IpcMode;
  proxyConfiguration?: ProxyConfiguration;
  inferenceAccelerators?: InferenceAccelerator[];
  ephemeralStorage?: EphemeralStorage;
  runtimePlatform?: RuntimePlatform;
  enableFaultInjection?: boolean;
}

export interface TaskDefinition {
  taskDefinitionArn?: string;
  containerDefinitions?: ContainerDefinition[];
  family?: string;
  taskRoleArn?: string;
  executionRoleArn?: string;
  networkMode?: NetworkMode;
  revision?: number;
  volumes?: Volume[];
  status?: TaskDefinitionStatus;
  requiresAttributes?: Attribute[];
  placementConstraints?: TaskDefinitionPlacementConstraint[];
  compatibilities?: Compatibility[];
  runtimePlatform?: RuntimePlatform;
  requiresCompatibilities?: Compatibility[];
  cpu?: string;
  memory?: string;
  inferenceAccelerators?: InferenceAccelerator[];
  pidMode?: PidMode;
  ipcMode?: IpcMode;
  proxyConfiguration?: ProxyConfiguration;
  registeredAt?: number;
  deregisteredAt?: number;
  deleteRequestedAt?: number;
  registeredBy?: string;
  ephemeralStorage?: EphemeralStorage;
  enableFaultInjection?: boolean;
}

/** What RegisterTaskDefinition decides; the store adds the ARN, revision, status and timestamps. */
export type TaskDefinitionBody = Omit<
  TaskDefinition,
  'taskDefinitionArn' | 'revision' | 'status' | 'registeredAt' | 'registeredBy' | 'deregisteredAt' | 'deleteRequestedAt'
> & {
  family: string;
  containerDefinitions: ContainerDefinition[];
  volumes: Volume[];
  placementConstraints: TaskDefinitionPlacementConstraint[];
  compatibilities: Compatibility[];
  requiresAttributes: Attribute[];
};

export interface ContainerOverride {
  name?: string;
  command?: string[];
  environment?: KeyValuePair[];
  environmentFiles?: EnvironmentFile[];
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
  resourceRequirements?: ResourceRequirement[];
}

export interface InferenceAcceleratorOverride { deviceName?: string; deviceType?: string }

export interface TaskOverride {
  containerOverrides?: ContainerOverride[];
  cpu?: string;
  inferenceAcceleratorOverrides?: InferenceAcceleratorOverride[];
  executionRoleArn?: string;
  memory?: string;
  taskRoleArn?: string;
  ephemeralStorage?: EphemeralStorage;
}

/** Resources a task occupies: CPU units, memory MiB, ephemeral storage GiB. */
export interface TaskSize { cpu: number; memory: number; ephemeralStorageGiB: number }
