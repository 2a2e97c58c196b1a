/**
 * The agent protocol: what hosts send the control plane and what they get back. JSON over HTTP
 * under /agent/v1, authenticated with bearer tokens (see docs/agent-protocol.md). Timestamps are
 * epoch milliseconds here (internal protocol); the ECS API converts to epoch seconds.
 */
import type { EventBatch } from '../logs/event-batch.js';
import type { ContainerStatus, DesiredStatus, HealthStatus, StopCode, TaskStatus } from '../ecs/enums.js';

export interface HostCapacity {
  /** CPU units (1024 per vCPU) offered to tasks, after the host's reserve. */
  cpu: number;
  /** Memory in MiB offered to tasks. */
  memory: number;
  /** Ephemeral storage in GiB offered to tasks. */
  ephemeralStorageGiB: number;
}

export interface RegisterHostRequest {
  /** Stable id of a host that registered before (restart); omitted on first registration. */
  hostId?: string;
  availabilityZone: string;
  capacity: HostCapacity;
  hostname?: string;
  /** Sandbox runtimes this host offers, e.g. ["runsc", "runc"]. */
  runtimes?: string[];
}

export interface RegisterHostResponse {
  hostId: string;
  hostToken: string;
  heartbeatIntervalSeconds: number;
  lostAfterSeconds: number;
}

export interface ContainerReport {
  name: string;
  lastStatus: ContainerStatus;
  runtimeId?: string;
  imageDigest?: string;
  exitCode?: number;
  reason?: string;
  healthStatus?: HealthStatus;
}

/** What an agent observed about one task. Only these reports move lastStatus. */
export interface TaskReport {
  lastStatus: TaskStatus;
  /** When the agent observed the transition (epoch ms); defaults to receipt time. */
  at?: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  containers?: ContainerReport[];
  healthStatus?: HealthStatus;
  /** Set when the task stops on its own (essential container exit, failure to start). */
  stopCode?: StopCode;
  stoppedReason?: string;
  /** ENI details once attached (name/value pairs as in ECS attachments). */
  networkInterface?: { privateIPv4Address?: string; macAddress?: string; networkInterfaceId?: string };
}

export interface Assignment {
  taskArn: string;
  taskId: string;
  clusterArn: string;
  desiredStatus: DesiredStatus;
  lastStatus: TaskStatus;
  version: number;
  /** The registered task definition as DescribeTaskDefinition shows it. */
  taskDefinition: Record<string, unknown>;
  overrides: Record<string, unknown>;
  size: { cpu: number; memory: number; ephemeralStorageGiB: number };
  capacityProviderName?: string;
  availabilityZone?: string;
  /** Subnet and security groups requested in awsvpcConfiguration. */
  networkConfiguration?: Record<string, unknown>;
  /** The task's ENI as the control plane allocated it (address from the subnet, MAC, groups). */
  eni?: EniAssignment;
  /** The task role (override or task definition), and the id its containers' credentials URI ends in. */
  taskRole?: { roleArn: string; credentialsId: string };
  stopCode?: StopCode;
  stoppedReason?: string;
  /**
   * With desiredStatus STOPPED: keep the task running until this time (epoch ms), then stop it.
   * A Fargate Spot interruption's notice; the task can read it from its metadata endpoint.
   */
  stopNotBeforeMs?: number;
}

export interface AssignmentsResponse {
  /** Non-STOPPED tasks placed on this host. */
  tasks: Assignment[];
  /** Fingerprint of this task set; pass it back as `since` to long-poll until something changes. */
  cursor: string;
  /** File systems (EFS role) that exist; a host deletes the data of any other it holds. */
  fileSystemIds: string[];
  /** The security groups this host's tasks are in, and the members of every group their rules name. */
  networkPolicy?: NetworkPolicy;
}

/** A task's elastic network interface: what the agent builds in the task's network namespace. */
export interface EniAssignment {
  networkInterfaceId: string;
  vpcId: string;
  /** The VPC's primary IPv4 CIDR, e.g. 172.31.0.0/16. */
  vpcCidr: string;
  subnetId: string;
  /** e.g. 172.31.16.0/20; the host holds its first usable address as the gateway. */
  subnetCidr: string;
  privateIpv4Address: string;
  macAddress: string;
  /** e.g. ip-172-31-0-4.us-east-2.compute.internal */
  privateDnsName?: string;
  securityGroupIds: string[];
  /** awsvpcConfiguration assignPublicIp ENABLED: outbound NAT to the host's networks. */
  assignPublicIp: boolean;
}

/** One security-group rule as an agent enforces it: one peer (CIDR or group) per rule. */
export interface NetworkRule {
  /** 'tcp', 'udp', 'icmp', '-1' (every protocol) or a protocol number. */
  protocol: string;
  /** Ports for tcp/udp; ICMP type and code for icmp (-1: any). */
  fromPort?: number;
  toPort?: number;
  /** The peer: an IPv4 CIDR, or a security group (its members' addresses). */
  cidr?: string;
  groupId?: string;
}

export interface SecurityGroupPolicy {
  groupId: string;
  ingress: NetworkRule[];
  egress: NetworkRule[];
}

export interface NetworkPolicy {
  securityGroups: SecurityGroupPolicy[];
  /** Group id → the private IPv4 addresses of the ENIs in it (every host's), for group-peer rules. */
  members: Record<string, string[]>;
}

/** POST /agent/v1/hosts/{id}/credentials: a running task's role credentials (ECS container-credentials JSON). */
export interface TaskCredentialsResponse {
  RoleArn: string;
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  /** RFC 3339. */
  Expiration: string;
}

/**
 * POST /agent/v1/hosts/{id}/secrets {taskArn}: what the task definition's `secrets` and
 * `repositoryCredentials` name, read as the task's execution role. Refused (403,
 * ResourceInitializationError, with ECS's reason) when the role may not read one of them.
 */
export interface TaskSecretsResponse {
  /** Container name → variable name → value. */
  environment: Record<string, Record<string, string>>;
  /** Container name → credentials for its image's registry. */
  registryCredentials: Record<string, { username: string; password: string }>;
}

export type LogSource = 'stdout' | 'stderr';

/**
 * POST /agent/v1/hosts/{id}/logs: events of one container's output for its awslogs stream (the
 * control plane names the group and stream from the task definition). Offsets are bytes of the
 * source file; the server ingests each byte range once and answers how far it has ingested. No
 * events: just create the stream (and the group when allowed) and answer the watermark. The body
 * is binary (src/logs/ship-body.ts, content type application/vnd.pier.logs); JSON with `events` as
 * a list of {timestamp, message, offset} is accepted too.
 */
export interface ShipLogsRequest {
  taskArn: string;
  containerName: string;
  source: LogSource;
  fromOffset: number;
  toOffset: number;
  /** With `offsets` (ascending): where each event starts in the source; events below the server's watermark are dropped. */
  events: EventBatch;
}

export interface ShipLogsResponse {
  /** The source is ingested up to here. */
  watermark: number;
}

/**
 * One reading of a running task's resource use, taken by the agent every few seconds from the
 * task's cgroup (its sandbox, for runsc) and its ENI. Use over an interval is given as the amounts
 * used since the previous reading (absent on a task's first reading).
 */
export interface TaskMetricSample {
  taskArn: string;
  /** When the counters were read (epoch ms). */
  at: number;
  /** Length of the interval the `*Delta` figures cover, ms. */
  intervalMs?: number;
  /** CPU time the task used over the interval, ns. */
  cpuNsDelta?: number;
  /** Memory in use at `at`, bytes (usage less inactive file cache, as Docker and ECS count it). */
  memoryBytes?: number;
  /** Bytes the task's ENI received and sent over the interval. */
  networkRxBytesDelta?: number;
  networkTxBytesDelta?: number;
  /** When the task's image pulls started and ended (epoch ms), once they have. */
  pullStartedAt?: number;
  pullStoppedAt?: number;
}

/** POST /agent/v1/hosts/{id}/metrics: readings of tasks running on this host. */
export interface ReportMetricsRequest {
  samples: TaskMetricSample[];
}

export interface ReportMetricsResponse {
  /** Samples stored (those of tasks not on this host, or not running, are ignored). */
  accepted: number;
}
