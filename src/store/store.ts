/**
 * The store: the only place desired and observed state lives. One interface, one implementation
 * per database (SQLite now, PostgreSQL next), one behaviour suite run against each
 * (test/contract/store.test.ts). Everything is async so a networked database fits behind it.
 *
 * Guarantees implementers must give:
 * - `transaction(fn)` runs `fn` atomically and in isolation from other transactions (SQLite: one
 *   writer at a time; PostgreSQL: SERIALIZABLE or row locks). If `fn` throws, nothing it wrote stays.
 * - Reads through `store.read` see only committed data.
 * - Versioned writes (`expectVersion`) throw `ConflictError` when the row's version moved, so racing
 *   writers never lose an update by read-modify-write in memory.
 */
import type { Task, Tag } from '../ecs/wire.js';
import type { HostCapacity } from '../protocol/agent.js';
import type { ParameterRepo, SecretRepo } from './secret-records.js';

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

export interface Page<T> {
  items: T[];
  /** Key of the last item, when more may follow. */
  nextKey?: string;
}

export interface ClusterRecord {
  name: string;
  arn: string;
  status: string;
  /** Cluster body as ECS shows it, minus counts, statistics and tags (computed on read). */
  body: {
    settings: { name: string; value: string }[];
    capacityProviders: string[];
    defaultCapacityProviderStrategy: { capacityProvider: string; weight?: number; base?: number }[];
    configuration?: Record<string, unknown>;
    serviceConnectDefaults?: { namespace: string };
  };
  createdAt: number;
  version: number;
}

export interface TaskDefinitionRecord {
  family: string;
  revision: number;
  arn: string;
  status: string;
  /** The TaskDefinition wire shape without taskDefinitionArn/revision/status/timestamps. */
  body: Record<string, unknown>;
  size: { cpu: number; memory: number; ephemeralStorageGiB: number };
  registeredAt: number;
  registeredBy?: string;
  deregisteredAt?: number;
  deleteRequestedAt?: number;
}

export interface TaskRecord {
  id: string;
  clusterName: string;
  /** Host the task is placed on; tasks are placed when created. */
  hostId: string | undefined;
  family: string;
  startedBy: string | undefined;
  serviceName: string | undefined;
  size: { cpu: number; memory: number; ephemeralStorageGiB: number };
  /** Network configuration as RunTask received it (for the agent). */
  networkConfiguration: Record<string, unknown> | undefined;
  /** The ECS Task wire shape (without tags). Its `version` is the row version. */
  task: Task;
  /**
   * A stop the agent holds back until this time (epoch ms): a Fargate Spot interruption's notice,
   * during which the task keeps running and can see when it will be stopped.
   */
  stopNotBeforeMs?: number;
}

export interface HostRecord {
  id: string;
  availabilityZone: string;
  capacity: HostCapacity;
  status: 'ACTIVE' | 'LOST';
  tokenHash: string;
  hostname: string | undefined;
  runtimes: string[];
  registeredAt: number;
  lastHeartbeatAt: number;
  version: number;
}

export interface HostUsage {
  hostId: string;
  used: HostCapacity;
  taskCount: number;
}

export interface TaskFilter {
  clusterName: string;
  family?: string;
  startedBy?: string;
  serviceName?: string;
  hostId?: string;
  /** RUNNING matches every desiredStatus RUNNING task (PROVISIONING … RUNNING); STOPPED likewise. */
  desiredStatus?: string;
  launchType?: string;
  afterId?: string;
  limit: number;
}

export interface TaskDefinitionFilter {
  familyPrefix?: string;
  /** Exact family (for "latest ACTIVE revision of family"). */
  family?: string;
  status?: string;
  sort: 'ASC' | 'DESC';
  afterKey?: string;
  limit: number;
}

export interface ClusterRepo {
  get(name: string): Promise<ClusterRecord | undefined>;
  /** Inserts, or replaces when `expectVersion` matches the stored version. */
  put(record: ClusterRecord, expectVersion?: number): Promise<void>;
  list(opts: { status?: string; afterName?: string; limit: number }): Promise<Page<ClusterRecord>>;
  /** Task counts by lastStatus bucket for the cluster (not STOPPED). */
  taskCounts(name: string): Promise<{ running: number; pending: number }>;
}

export interface TaskDefinitionRepo {
  /** Reserves the next revision of a family; revisions are never reused, even after deletion. */
  nextRevision(family: string): Promise<number>;
  put(record: TaskDefinitionRecord): Promise<void>;
  get(family: string, revision: number): Promise<TaskDefinitionRecord | undefined>;
  latestActive(family: string): Promise<TaskDefinitionRecord | undefined>;
  list(filter: TaskDefinitionFilter): Promise<Page<TaskDefinitionRecord>>;
  listFamilies(opts: { familyPrefix?: string; status?: 'ACTIVE' | 'INACTIVE' | 'ALL'; afterFamily?: string; limit: number }): Promise<Page<string>>;
  /** Whether any task that is not STOPPED uses this revision. */
  inUse(arn: string): Promise<boolean>;
  remove(family: string, revision: number): Promise<void>;
}

export interface TaskRepo {
  insert(record: TaskRecord): Promise<void>;
  get(clusterName: string, id: string): Promise<TaskRecord | undefined>;
  getMany(clusterName: string, ids: readonly string[]): Promise<TaskRecord[]>;
  /**
   * DescribeTasks' read, as one consistent snapshot: the tasks among `ids` in the cluster, each as
   * its stored Task's JSON text (any valid JSON of it), by id; undefined when the cluster does not
   * exist or is not ACTIVE.
   */
  docsInActiveCluster(clusterName: string, ids: readonly string[]): Promise<Map<string, string> | undefined>;
  /** Replaces the task when its stored version is `expectVersion`; else ConflictError. */
  update(record: TaskRecord, expectVersion: number): Promise<void>;
  list(filter: TaskFilter): Promise<Page<TaskRecord>>;
  /** Tasks on a host whose lastStatus is not STOPPED. */
  onHost(hostId: string): Promise<TaskRecord[]>;
  /** Per-host resources held by tasks that are not STOPPED. */
  hostUsage(): Promise<HostUsage[]>;
  /** Deletes STOPPED tasks whose stoppedAt (epoch ms) is older than `beforeMs`; returns how many. */
  purgeStopped(beforeMs: number): Promise<number>;
  /** Number of tasks in the cluster that are not STOPPED. */
  countActive(clusterName: string): Promise<number>;
}

export interface TagRepo {
  get(resourceArn: string): Promise<Tag[]>;
  getMany(resourceArns: readonly string[]): Promise<Map<string, Tag[]>>;
  /** Adds or overwrites the given keys. */
  put(resourceArn: string, tags: readonly Tag[]): Promise<void>;
  remove(resourceArn: string, keys: readonly string[]): Promise<void>;
  removeAll(resourceArn: string): Promise<void>;
}

export interface HostRepo {
  get(id: string): Promise<HostRecord | undefined>;
  put(record: HostRecord, expectVersion?: number): Promise<void>;
  list(): Promise<HostRecord[]>;
}

export interface IdempotencyRecord {
  scope: string;
  token: string;
  requestHash: string;
  resultArns: string[];
  createdAt: number;
}

export interface IdempotencyRepo {
  get(scope: string, token: string): Promise<IdempotencyRecord | undefined>;
  put(record: IdempotencyRecord): Promise<void>;
}

export interface AccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
  userName: string;
  createdAt: number;
}

export interface AccessKeyRepo {
  get(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  put(record: AccessKeyRecord): Promise<void>;
  list(): Promise<AccessKeyRecord[]>;
}

export interface FileSystemRecord {
  id: string;
  creationToken: string;
  /** The EFS FileSystemDescription as DescribeFileSystems shows it (without Tags, kept in the tag table). */
  body: Record<string, unknown>;
  createdAt: number;
}

export interface FileSystemRepo {
  get(id: string): Promise<FileSystemRecord | undefined>;
  getByCreationToken(token: string): Promise<FileSystemRecord | undefined>;
  insert(record: FileSystemRecord): Promise<void>;
  list(opts: { afterId?: string; limit: number }): Promise<Page<FileSystemRecord>>;
  remove(id: string): Promise<void>;
  /** Whether a task that is not STOPPED uses the file system through its task definition's volumes. */
  inUse(id: string): Promise<boolean>;
}

/** An application load balancer (ELBv2), as CreateLoadBalancer made it. */
export interface LoadBalancerRecord {
  arn: string;
  name: string;
  dnsName: string;
  scheme: 'internet-facing' | 'internal';
  vpcId: string;
  /** One subnet per availability zone, in zone order. */
  subnets: { subnetId: string; availabilityZone: string }[];
  securityGroups: string[];
  ipAddressType: string;
  /** State is derived: provisioning for a moment after createdAt, then active. */
  createdAt: number;
}

/** A listener; actions are kept in their ELBv2 wire form (Type, TargetGroupArn, ForwardConfig, …). */
export interface ListenerRecord {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: 'HTTP';
  defaultActions: Record<string, unknown>[];
  createdAt: number;
}

/** A listener rule other than the default one; conditions and actions in their wire form. */
export interface RuleRecord {
  arn: string;
  listenerArn: string;
  priority: number;
  conditions: Record<string, unknown>[];
  actions: Record<string, unknown>[];
  createdAt: number;
}

export interface TargetGroupHealthCheck {
  enabled: boolean;
  protocol: 'HTTP';
  port: string;
  path: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThresholdCount: number;
  unhealthyThresholdCount: number;
  httpCode: string;
}

export interface TargetGroupRecord {
  arn: string;
  name: string;
  protocol: 'HTTP';
  protocolVersion: string;
  port: number;
  vpcId: string;
  targetType: 'ip';
  ipAddressType: string;
  healthCheck: TargetGroupHealthCheck;
  /** Attribute key → value, every attribute AWS lists for the group (defaults filled in). */
  attributes: Record<string, string>;
  createdAt: number;
}

/** A registered target; `drainingSince` (epoch ms) once deregistered, until the delay has passed. */
export interface TargetRecord {
  targetGroupArn: string;
  id: string;
  port: number;
  availabilityZone?: string;
  registeredAt: number;
  drainingSince?: number;
}

/** A host's latest target-health report (it replaces the one before). */
export interface TargetHealthReportRecord {
  hostId: string;
  reportedAt: number;
  targets: { targetGroupArn: string; id: string; port: number; state: string; reason?: string; description?: string }[];
}

/**
 * ELBv2 resources. Inserts throw ConflictError on a taken unique key (load balancer or target
 * group name, a listener's port on its load balancer, a rule's priority on its listener); lists
 * are ordered by name (load balancers, target groups), port (listeners), priority (rules).
 */
export interface Elbv2Repo {
  getLoadBalancer(arn: string): Promise<LoadBalancerRecord | undefined>;
  getLoadBalancerByName(name: string): Promise<LoadBalancerRecord | undefined>;
  listLoadBalancers(): Promise<LoadBalancerRecord[]>;
  insertLoadBalancer(record: LoadBalancerRecord): Promise<void>;
  updateLoadBalancer(record: LoadBalancerRecord): Promise<void>;
  /** Removes the load balancer with its listeners, their rules and all their tags. */
  removeLoadBalancer(arn: string): Promise<void>;

  getListener(arn: string): Promise<ListenerRecord | undefined>;
  /** Of one load balancer, or of all when `loadBalancerArn` is undefined. */
  listListeners(loadBalancerArn?: string): Promise<ListenerRecord[]>;
  insertListener(record: ListenerRecord): Promise<void>;
  /** ConflictError when the new port is taken on its load balancer. */
  updateListener(record: ListenerRecord): Promise<void>;
  /** Removes the listener with its rules and their tags. */
  removeListener(arn: string): Promise<void>;

  getRule(arn: string): Promise<RuleRecord | undefined>;
  /** Of one listener, or of all when `listenerArn` is undefined. */
  listRules(listenerArn?: string): Promise<RuleRecord[]>;
  insertRule(record: RuleRecord): Promise<void>;
  /** ConflictError when the new priority is taken on its listener. */
  updateRule(record: RuleRecord): Promise<void>;
  removeRule(arn: string): Promise<void>;

  getTargetGroup(arn: string): Promise<TargetGroupRecord | undefined>;
  getTargetGroupByName(name: string): Promise<TargetGroupRecord | undefined>;
  listTargetGroups(): Promise<TargetGroupRecord[]>;
  insertTargetGroup(record: TargetGroupRecord): Promise<void>;
  updateTargetGroup(record: TargetGroupRecord): Promise<void>;
  /** Removes the group with its targets and tags. */
  removeTargetGroup(arn: string): Promise<void>;

  /** Of one group (ordered by id, port), or of all when `targetGroupArn` is undefined. */
  listTargets(targetGroupArn?: string): Promise<TargetRecord[]>;
  /** Inserts or replaces the target (group, id, port). */
  putTarget(record: TargetRecord): Promise<void>;
  removeTarget(targetGroupArn: string, id: string, port: number): Promise<void>;

  /** Tags per ARN asked for, in insertion order (ARNs without tags map to []). */
  tags(arns: readonly string[]): Promise<Map<string, { key: string; value: string }[]>>;
  /** Adds or overwrites. */
  putTags(arn: string, tags: readonly { key: string; value: string }[]): Promise<void>;
  removeTags(arn: string, keys: readonly string[]): Promise<void>;

  putHealthReport(report: TargetHealthReportRecord): Promise<void>;
  healthReports(): Promise<TargetHealthReportRecord[]>;
}

export interface VpcRecord {
  id: string;
  cidrBlock: string;
  isDefault: boolean;
  createdAt: number;
}

export interface SubnetRecord {
  id: string;
  vpcId: string;
  cidrBlock: string;
  availabilityZone: string;
  defaultForAz: boolean;
  mapPublicIpOnLaunch: boolean;
  /** The addresses tasks may get (AWS's five reserved addresses excluded), as unsigned 32-bit integers. */
  firstAddress: number;
  lastAddress: number;
  createdAt: number;
}

export interface SecurityGroupRecord {
  id: string;
  vpcId: string;
  name: string;
  description: string;
  createdAt: number;
}

export interface SecurityGroupRuleRecord {
  id: string;
  groupId: string;
  isEgress: boolean;
  /** "tcp", "udp", "icmp", "-1" (all) or another protocol number as text. */
  ipProtocol: string;
  fromPort?: number;
  toPort?: number;
  cidrIpv4?: string;
  referencedGroupId?: string;
  description?: string;
}

export interface NetworkInterfaceRecord {
  id: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  /** Unsigned 32-bit integer; unique within the subnet. */
  privateIpAddress: number;
  macAddress: string;
  securityGroupIds: string[];
  description: string;
  /** The task the interface belongs to, when it belongs to one. */
  taskArn?: string;
  createdAt: number;
}

export interface VpcRepo {
  get(id: string): Promise<VpcRecord | undefined>;
  getDefault(): Promise<VpcRecord | undefined>;
  list(): Promise<VpcRecord[]>;
  insert(record: VpcRecord): Promise<void>;
  /** Removes the VPC; its subnets and security groups must be gone first. */
  remove(id: string): Promise<void>;
}

export interface SubnetRepo {
  get(id: string): Promise<SubnetRecord | undefined>;
  list(opts?: { vpcId?: string }): Promise<SubnetRecord[]>;
  insert(record: SubnetRecord): Promise<void>;
  remove(id: string): Promise<void>;
  /** Network interfaces (allocated addresses) per subnet id; subnets without any are absent. */
  allocatedCounts(): Promise<Map<string, number>>;
}

export interface SecurityGroupRepo {
  get(id: string): Promise<SecurityGroupRecord | undefined>;
  getByName(vpcId: string, name: string): Promise<SecurityGroupRecord | undefined>;
  list(opts?: { vpcId?: string }): Promise<SecurityGroupRecord[]>;
  /** Inserts; ConflictError when the VPC already has a group of that name. */
  insert(record: SecurityGroupRecord): Promise<void>;
  /** Removes the group and its rules. */
  remove(id: string): Promise<void>;
  rules(groupIds: readonly string[]): Promise<SecurityGroupRuleRecord[]>;
  insertRule(rule: SecurityGroupRuleRecord): Promise<void>;
  removeRule(id: string): Promise<void>;
  /** Ids of other groups whose rules name this group as their source or destination. */
  referencedBy(groupId: string): Promise<string[]>;
}

export interface NetworkInterfaceRepo {
  get(id: string): Promise<NetworkInterfaceRecord | undefined>;
  list(): Promise<NetworkInterfaceRecord[]>;
  /**
   * Inserts the interface with the lowest address of `range` that no interface of the subnet
   * holds, and returns that address; undefined when every address of the range is taken. Two
   * interfaces of one subnet never hold the same address (a UNIQUE constraint backs this).
   */
  insertWithLowestFreeAddress(
    record: Omit<NetworkInterfaceRecord, 'privateIpAddress'>, range: { first: number; last: number },
  ): Promise<number | undefined>;
  remove(id: string): Promise<void>;
  countInSubnet(subnetId: string): Promise<number>;
  /** Whether any interface is in this security group. */
  groupInUse(groupId: string): Promise<boolean>;
  /** The addresses of the interfaces in each of these groups (groups without any are absent). */
  addressesInGroups(groupIds: readonly string[]): Promise<Map<string, number[]>>;
}

/** Tags on EC2 resources, by resource id (vpc-…, subnet-…, sg-…, eni-…). */
export interface Ec2TagRepo {
  getMany(resourceIds: readonly string[]): Promise<Map<string, Tag[]>>;
  /** Every tag, ordered by resource id then key. */
  list(): Promise<{ resourceId: string; key: string; value: string }[]>;
  put(resourceId: string, tags: readonly Tag[]): Promise<void>;
  remove(resourceId: string, tags: readonly { key: string; value?: string }[]): Promise<void>;
  removeAll(resourceId: string): Promise<void>;
}

/** An IAM role. Names are unique regardless of case, as in IAM; `name` keeps the casing it was created with. */
export interface RoleRecord {
  /** `AROA…`, IAM's unique id for the role. */
  roleId: string;
  name: string;
  /** `/` or `/a/b/`. */
  path: string;
  /** `arn:aws:iam::<account>:role<path><name>` */
  arn: string;
  /** The trust policy, exactly as the caller sent it. */
  assumeRolePolicyDocument: string;
  description?: string;
  maxSessionDuration: number;
  tags: Tag[];
  createdAt: number;
  /** When and in which region the role was last assumed, once it has been. */
  lastUsed?: { at: number; region: string };
}

export interface RoleRepo {
  /** Case-insensitive, as IAM resolves role names. */
  getByName(name: string): Promise<RoleRecord | undefined>;
  /** By exact ARN, the form task definitions and RunTask name roles in. */
  getByArn(arn: string): Promise<RoleRecord | undefined>;
  /** Ordered by name (case-insensitive); `afterName` continues after that name. */
  list(opts: { pathPrefix?: string; afterName?: string; limit: number }): Promise<Page<RoleRecord>>;
  /** Inserts; ConflictError when a role of that name (in any case) exists. */
  insert(record: RoleRecord): Promise<void>;
  /** Replaces the trust policy, description and session duration of the role with this id. */
  update(record: RoleRecord): Promise<void>;
  recordUse(roleId: string, at: number, region: string): Promise<void>;
  /** Removes the role; its inline and attached policies must be gone first. */
  remove(roleId: string): Promise<void>;
}

/** A role's inline policies (by name) and the managed policies attached to it (by ARN). */
export interface RolePolicyRepo {
  /** Inserts or replaces the role's inline policy of that name. */
  putInline(roleId: string, name: string, document: string): Promise<void>;
  getInline(roleId: string, name: string): Promise<string | undefined>;
  /** Inline policies of the role, ordered by name. */
  listInline(roleId: string): Promise<{ name: string; document: string }[]>;
  /** Returns whether there was such a policy. */
  removeInline(roleId: string, name: string): Promise<boolean>;
  /** Attaching an attached policy again changes nothing. */
  attach(roleId: string, policyArn: string): Promise<void>;
  /** Returns whether it was attached. */
  detach(roleId: string, policyArn: string): Promise<boolean>;
  /** ARNs attached to the role, ordered. */
  listAttached(roleId: string): Promise<string[]>;
  /** How many roles each managed policy is attached to (policies attached to none are absent). */
  attachmentCounts(): Promise<Map<string, number>>;
}

/** An IAM user. Names are unique regardless of case, as in IAM; `name` keeps the casing it was created with. */
export interface UserRecord {
  /** `AIDA…`, IAM's unique id for the user. */
  userId: string;
  name: string;
  /** `/` or `/a/b/`. */
  path: string;
  /** `arn:aws:iam::<account>:user<path><name>` */
  arn: string;
  tags: Tag[];
  createdAt: number;
}

export interface UserRepo {
  /** Case-insensitive, as IAM resolves user names. */
  getByName(name: string): Promise<UserRecord | undefined>;
  getById(userId: string): Promise<UserRecord | undefined>;
  /** Ordered by name (case-insensitive); `afterName` continues after that name. */
  list(opts: { pathPrefix?: string; afterName?: string; limit: number }): Promise<Page<UserRecord>>;
  /** Inserts; ConflictError when a user of that name (in any case) exists. */
  insert(record: UserRecord): Promise<void>;
  /** Removes the user; its keys and policies must be gone first. */
  remove(userId: string): Promise<void>;
}

/** A user's inline policies (by name) and attached managed policies (by ARN): a role's, keyed by user id. */
export type UserPolicyRepo = RolePolicyRepo;

/** An IAM user's access key; Inactive keys do not authenticate. */
export interface UserAccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
  userId: string;
  status: 'Active' | 'Inactive';
  createdAt: number;
}

export interface UserAccessKeyRepo {
  get(accessKeyId: string): Promise<UserAccessKeyRecord | undefined>;
  /** The user's keys, oldest first. */
  listByUser(userId: string): Promise<UserAccessKeyRecord[]>;
  /** Every user's keys (the edge keeps them in memory to check signatures). */
  listAll(): Promise<UserAccessKeyRecord[]>;
  insert(record: UserAccessKeyRecord): Promise<void>;
  setStatus(accessKeyId: string, status: UserAccessKeyRecord['status']): Promise<void>;
  remove(accessKeyId: string): Promise<void>;
}

/** One deployment of a service (ECS `deployments[]`), kept inside its service's row. */
export interface DeploymentRecord {
  /** `ecs-svc/<19 digits>`; tasks of the deployment carry it as `startedBy`. */
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinition: string;
  desiredCount: number;
  /** Tasks of this deployment that failed (monotonic: never lowered when stopped tasks are purged). */
  failedTasks: number;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason: string;
  launchType?: string;
  capacityProviderStrategy?: { capacityProvider: string; weight?: number; base?: number }[];
  networkConfiguration?: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

/** A service: the configuration users set, its deployments and the scheduler's bookkeeping. */
export interface ServiceRecord {
  clusterName: string;
  name: string;
  arn: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  /** The Service wire shape's configuration members (desiredCount, taskDefinition, …), without counts, deployments and events. */
  body: Record<string, unknown>;
  /** Newest first; INACTIVE deployments are dropped. */
  deployments: DeploymentRecord[];
  /** The scheduler's own state (launch backoff, the last completed deployment for rollback). */
  scheduler: Record<string, unknown>;
  createdAt: number;
  version: number;
}

export interface ServiceEventRecord { id: string; createdAt: number; message: string }

export interface ServiceRepo {
  get(clusterName: string, name: string): Promise<ServiceRecord | undefined>;
  /** Inserts when `expectVersion` is undefined (ConflictError if the name exists), else replaces that version (ConflictError if it moved). */
  put(record: ServiceRecord, expectVersion?: number): Promise<void>;
  /** Ordered by name; `statuses` defaults to every status. */
  list(opts: { clusterName?: string; statuses?: readonly string[]; launchType?: string; afterName?: string; limit: number }): Promise<Page<ServiceRecord>>;
  /** Services per status in the cluster. */
  countByStatus(clusterName: string): Promise<Record<string, number>>;
  /** Appends events; only the newest 100 of the service are kept. */
  addEvents(clusterName: string, name: string, events: readonly ServiceEventRecord[]): Promise<void>;
  /** Newest first. */
  events(clusterName: string, name: string, limit: number): Promise<ServiceEventRecord[]>;
}

/** Task scale-in protection (UpdateTaskProtection): a task is protected until `expiresAt` (epoch ms). */
export interface TaskProtectionRepo {
  /** Protection end per task id (absent: never protected or cleared). */
  get(clusterName: string, taskIds: readonly string[]): Promise<Map<string, number>>;
  /** Sets (expiresAt) or clears (undefined) the protection of a task. */
  put(clusterName: string, taskId: string, expiresAt: number | undefined): Promise<void>;
}

/** Application Auto Scaling: a scalable target (one service's desired count), keyed by namespace, resource and dimension. */
export interface ScalableTargetRecord {
  serviceNamespace: string;
  resourceId: string;
  scalableDimension: string;
  arn: string;
  minCapacity: number;
  maxCapacity: number;
  roleArn: string;
  suspendedState: { DynamicScalingInSuspended: boolean; DynamicScalingOutSuspended: boolean; ScheduledScalingSuspended: boolean };
  /** The autoscaling controller's bookkeeping (last scale-out and scale-in, per-policy activity times). */
  scaling: {
    lastScaleOutAt?: number; lastScaleInAt?: number; policyActivityAt?: Record<string, number>;
    /** Per step policy whose last activity was a scale-out: the capacity before it (cooldowns count from it). */
    policyScaleOutFrom?: Record<string, number>;
  };
  createdAt: number;
  version: number;
}

export interface ScalingPolicyRecord {
  serviceNamespace: string;
  resourceId: string;
  scalableDimension: string;
  name: string;
  arn: string;
  policyType: string;
  /** The policy's configuration in its wire form (StepScaling… or TargetTrackingScalingPolicyConfiguration). */
  configuration: Record<string, unknown>;
  alarms: { AlarmName: string; AlarmARN: string }[];
  createdAt: number;
}

export interface ScheduledActionRecord {
  serviceNamespace: string;
  resourceId: string;
  scalableDimension: string;
  name: string;
  arn: string;
  schedule: string;
  timezone?: string;
  startTime?: number;
  endTime?: number;
  minCapacity?: number;
  maxCapacity?: number;
  createdAt: number;
  /** When the action was last put: occurrences at or before it never run. */
  updatedAt: number;
  /** The occurrence the controller applied last (epoch ms). */
  lastAppliedAt?: number;
}

export interface ScalingActivityRecord {
  id: string;
  serviceNamespace: string;
  resourceId: string;
  scalableDimension: string;
  description: string;
  cause: string;
  startTime: number;
  endTime?: number;
  statusCode: 'Pending' | 'InProgress' | 'Successful' | 'Overridden' | 'Unfulfilled' | 'Failed';
  statusMessage?: string;
}

export interface AutoScalingListQuery {
  serviceNamespace: string;
  resourceIds?: readonly string[];
  scalableDimension?: string;
  /** Policy or scheduled action names. */
  names?: readonly string[];
  afterKey?: string;
  limit: number;
}

/**
 * Scalable targets with their scaling policies and scheduled actions, and scaling activities.
 * Lists of targets, policies and actions are ordered by resource ID, dimension (and name); pages
 * continue after `nextKey`. Activities are newest first and outlive their target (AWS keeps them
 * for six weeks; Pier keeps the newest 1,000 per target).
 */
export interface AutoScalingRepo {
  getTarget(serviceNamespace: string, resourceId: string, scalableDimension: string): Promise<ScalableTargetRecord | undefined>;
  listTargets(q: AutoScalingListQuery): Promise<Page<ScalableTargetRecord>>;
  /** Inserts when `expectVersion` is undefined (ConflictError if it exists), else replaces that version (ConflictError if it moved). */
  putTarget(record: ScalableTargetRecord, expectVersion?: number): Promise<void>;
  /** Removes the target with its policies and scheduled actions; returns whether it existed. */
  removeTarget(serviceNamespace: string, resourceId: string, scalableDimension: string): Promise<boolean>;

  getPolicy(serviceNamespace: string, resourceId: string, scalableDimension: string, name: string): Promise<ScalingPolicyRecord | undefined>;
  listPolicies(q: AutoScalingListQuery): Promise<Page<ScalingPolicyRecord>>;
  /** Inserts or replaces by (namespace, resource, dimension, name). */
  putPolicy(record: ScalingPolicyRecord): Promise<void>;
  removePolicy(serviceNamespace: string, resourceId: string, scalableDimension: string, name: string): Promise<boolean>;

  getScheduledAction(serviceNamespace: string, resourceId: string, scalableDimension: string, name: string): Promise<ScheduledActionRecord | undefined>;
  listScheduledActions(q: AutoScalingListQuery): Promise<Page<ScheduledActionRecord>>;
  /** Inserts or replaces by (namespace, resource, dimension, name). */
  putScheduledAction(record: ScheduledActionRecord): Promise<void>;
  removeScheduledAction(serviceNamespace: string, resourceId: string, scalableDimension: string, name: string): Promise<boolean>;

  /** Inserts or replaces by id (an activity recorded InProgress is replaced when it ends). */
  putActivity(record: ScalingActivityRecord): Promise<void>;
  listActivities(q: Omit<AutoScalingListQuery, 'names'>): Promise<Page<ScalingActivityRecord>>;
}

/** CloudWatch: a metric alarm on one metric (PutMetricAlarm), keyed by name within the account. */
export interface MetricAlarmRecord {
  name: string;
  arn: string;
  /** The alarm's configuration in its wire form (MetricAlarm's members PutMetricAlarm sets: Namespace, MetricName, Threshold, …). */
  config: AlarmConfig;
  state: AlarmState;
  tags: { Key: string; Value: string }[];
  createdAt: number;
  configurationUpdatedAt: number;
  /** The alarm controller's bookkeeping. */
  evaluation: AlarmEvaluation;
  version: number;
}

export interface AlarmConfig {
  AlarmDescription?: string;
  ActionsEnabled: boolean;
  OKActions: string[];
  AlarmActions: string[];
  InsufficientDataActions: string[];
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Statistic?: string;
  ExtendedStatistic?: string;
  Period: number;
  Unit?: string;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData?: string;
  EvaluateLowSampleCountPercentile?: string;
}

export interface AlarmState {
  value: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  reason: string;
  reasonData?: string;
  /** Last change of the value or the reason (StateUpdatedTimestamp). */
  updatedAt: number;
  /** Last change of the value (StateTransitionedTimestamp). */
  transitionedAt: number;
}

export interface AlarmEvaluation {
  /** End (epoch ms) of the newest period the controller has evaluated. */
  lastPeriodEnd?: number;
  /** The transition (its `transitionedAt`) whose actions have been run or skipped. */
  actedOnTransitionAt?: number;
  /** When Auto Scaling actions last ran (they repeat each minute while the alarm stays in ALARM). */
  lastScalingActionAt?: number;
  /** The newest evaluation's datapoint values (or SetAlarmState's recentDatapoints), newest first. */
  recentDatapoints?: number[];
}

export interface AlarmHistoryRecord {
  alarmName: string;
  timestamp: number;
  type: 'ConfigurationUpdate' | 'StateUpdate' | 'Action';
  summary: string;
  /** JSON text, as AWS's HistoryData. */
  data: string;
}

export interface AlarmListQuery {
  names?: readonly string[];
  namePrefix?: string;
  stateValue?: string;
  /** Alarms with an OK, ALARM or INSUFFICIENT_DATA action starting with this. */
  actionPrefix?: string;
  namespace?: string;
  metricName?: string;
  /** Continue after this alarm name. */
  afterName?: string;
  limit: number;
}

export interface AlarmHistoryQuery {
  alarmName?: string;
  type?: string;
  /** [fromMs, toMs) on the item's timestamp. */
  fromMs?: number;
  toMs?: number;
  ascending: boolean;
  afterKey?: string;
  limit: number;
}

/**
 * Metric alarms and their history. Alarms list in byte order of name; pages continue after
 * `afterName`. History outlives the alarm (AWS keeps it after DeleteAlarms; Pier keeps the newest
 * 1,000 items per alarm name) and lists by time, newest first unless `ascending`.
 */
export interface AlarmRepo {
  get(name: string): Promise<MetricAlarmRecord | undefined>;
  list(q: AlarmListQuery): Promise<Page<MetricAlarmRecord>>;
  /** Inserts when `expectVersion` is undefined (ConflictError if the name exists), else replaces that version (ConflictError if it moved). */
  put(record: MetricAlarmRecord, expectVersion?: number): Promise<void>;
  /** Removes the named alarms; returns the names that existed. */
  remove(names: readonly string[]): Promise<string[]>;
  addHistory(items: readonly AlarmHistoryRecord[]): Promise<void>;
  history(q: AlarmHistoryQuery): Promise<Page<AlarmHistoryRecord>>;
}

export interface MetaRepo {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
}

/** What a stopped task was charged for (metering's facts), kept after the task record is purged. */
export interface TaskUsageRecord {
  readonly taskArn: string;
  readonly clusterName: string;
  readonly family: string;
  /** Absent for tasks outside a service. */
  readonly serviceName?: string;
  readonly capacityProvider: 'FARGATE' | 'FARGATE_SPOT';
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly ephemeralStorageGiB: number;
  /** Epoch ms. */
  readonly pullStartedAtMs: number;
  readonly stoppedAtMs: number;
  /** The task's tags when it stopped. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The usage ledger. The store writes it itself, in the transaction that saves a task as stopped
 * (one row per task that started pulling; later writes of the task refresh it), and keeps it
 * when the task is purged; reset empties it.
 */
export interface TaskUsageRepo {
  /** Every row, by cluster then task ARN. */
  list(): Promise<TaskUsageRecord[]>;
}

export interface Repos {
  readonly clusters: ClusterRepo;
  readonly taskDefinitions: TaskDefinitionRepo;
  readonly tasks: TaskRepo;
  readonly tags: TagRepo;
  readonly hosts: HostRepo;
  readonly idempotency: IdempotencyRepo;
  readonly accessKeys: AccessKeyRepo;
  readonly meta: MetaRepo;
  readonly fileSystems: FileSystemRepo;
  readonly vpcs: VpcRepo;
  readonly subnets: SubnetRepo;
  readonly securityGroups: SecurityGroupRepo;
  readonly networkInterfaces: NetworkInterfaceRepo;
  readonly ec2Tags: Ec2TagRepo;
  readonly roles: RoleRepo;
  readonly rolePolicies: RolePolicyRepo;
  readonly users: UserRepo;
  readonly userPolicies: UserPolicyRepo;
  readonly userAccessKeys: UserAccessKeyRepo;
  readonly elbv2: Elbv2Repo;
  readonly services: ServiceRepo;
  readonly taskProtection: TaskProtectionRepo;
  readonly autoScaling: AutoScalingRepo;
  readonly alarms: AlarmRepo;
  readonly secrets: SecretRepo;
  readonly parameters: ParameterRepo;
  readonly taskUsage: TaskUsageRepo;
}

export interface Store {
  /** Committed state; never blocks on a writer. */
  readonly read: Repos;
  /** Runs `fn` as one atomic, isolated transaction. */
  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  /**
   * Removes everything users made through the API (the --allow-reset admin call). Access keys,
   * account metadata and registered hosts stay, so clients and agents keep working.
   */
  reset(): Promise<void>;
  close(): Promise<void>;
}
