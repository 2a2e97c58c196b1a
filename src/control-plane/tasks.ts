/** Task actions: RunTask, DescribeTasks, ListTasks, StopTask. */
import { createHash } from 'node:crypto';
import { arns, taskIdOf } from '../ecs/arn.js';
import { StopCode } from '../ecs/enums.js';
import { ClientException, ClusterNotFoundException, ConflictException, InvalidParameterException } from '../ecs/errors.js';
import { parseTaskOverrides, validateTags } from '../ecs/task-definition/parse-overrides.js';
import type { Failure, Task } from '../ecs/wire.js';
import { assignCapacityProviders } from '../scheduler/capacity-provider-strategy.js';
import { placeTasks, type HostSnapshot } from '../scheduler/placement.js';
import { requestStop, stopUnstarted } from '../scheduler/task-lifecycle.js';
import type { Repos, TaskDefinitionRecord, TaskRecord } from '../store/store.js';
import { validateStrategy } from './capacity-providers.js';
import { activeCluster, clusterForLaunch, clusterNameFor } from './clusters.js';
import type { ControlPlane } from './context.js';
import { newTask } from './new-task.js';
import { decodeToken, encodeToken, pageSize } from './pagination.js';
import { checkNetworkConfiguration, checkRunTaskInput, type RunTaskInput } from './run-task-input.js';
import { allocateTaskEni, eniOf, releaseIfStopped, resolveAwsvpc, type ResolvedAwsvpc } from './task-networking.js';
import { resolveTaskDefinition } from './task-definitions.js';
import { SpotReclaimer } from './spot-interruptions.js';
import { checkRolesAssumable } from './task-roles.js';

export async function runTask(cp: ControlPlane, input: RunTaskInput): Promise<{ tasks: Task[]; failures: Failure[] }> {
  const { count } = checkRunTaskInput(input);
  const tags = validateTags(input.tags ?? []);
  const result = await cp.store.transaction(async (tx) => {
    const cluster = await clusterForLaunch(cp, tx, input.cluster);
    if (input.clientToken !== undefined) {
      const replay = await replayIdempotent(tx, cluster.name, input);
      if (replay) return { records: replay, failures: [] as Failure[], interruptedHosts: [] as string[], created: false };
    }
    const def = await resolveTaskDefinition(tx, input.taskDefinition);
    if (def.status !== 'ACTIVE') throw new ClientException('TaskDefinition is inactive');
    const compat = (def.body.compatibilities ?? []) as string[];
    if (!compat.includes('FARGATE')) {
      throw new InvalidParameterException('Task definition does not support launch_type FARGATE.');
    }
    checkNetworkConfiguration(input, def.body.networkMode as string | undefined);
    const awsvpcInput = input.networkConfiguration?.awsvpcConfiguration;
    const awsvpc = awsvpcInput ? await resolveAwsvpc(tx, awsvpcInput) : undefined;
    await checkFileSystemsExist(tx, def.body.volumes as Volume[] | undefined);
    const { overrides, size } = parseTaskOverrides(def.body as never, input.overrides as never);
    const roles = overrides as { taskRoleArn?: string; executionRoleArn?: string };
    await checkRolesAssumable(cp, tx, [
      roles.taskRoleArn || (def.body.taskRoleArn as string | undefined),
      roles.executionRoleArn || (def.body.executionRoleArn as string | undefined),
    ]);

    const strategy = input.launchType === undefined
      ? (input.capacityProviderStrategy?.length ? input.capacityProviderStrategy : cluster.body.defaultCapacityProviderStrategy)
      : [];
    if (input.capacityProviderStrategy?.length) validateStrategy(input.capacityProviderStrategy, cluster.body.capacityProviders, 'capacityProviderStrategy');
    const providers = strategy.length ? assignCapacityProviders(strategy, count) : new Array<undefined>(count).fill(undefined);

    const placed = await placeAndInsertTasks(cp, tx, {
      clusterName: cluster.name, taskDefinition: def, size, overrides: overrides as Record<string, unknown>, providers, awsvpc,
      networkConfiguration: input.networkConfiguration as Record<string, unknown> | undefined, group: input.group ?? `family:${def.family}`,
      startedBy: input.startedBy, serviceName: undefined, enableExecuteCommand: input.enableExecuteCommand ?? false,
    });
    const { records, failures, interruptedHosts } = placed;
    for (const record of records) {
      const taskTags = input.propagateTags === 'TASK_DEFINITION' ? mergeTags(await tx.tags.get(def.arn), tags) : tags;
      await tx.tags.put(record.task.taskArn, taskTags);
    }
    if (input.clientToken !== undefined && records.length > 0) {
      await tx.idempotency.put({
        scope: `RunTask/${cluster.name}`, token: input.clientToken, requestHash: requestHash(input),
        resultArns: records.map((r) => r.id), createdAt: cp.clock.now(),
      });
    }
    return { records, failures, interruptedHosts, created: true };
  });
  // New addresses join security groups other hosts' rules may name: every host re-reads its policy.
  if (result.created && result.records.some((r) => eniOf(r))) cp.hostSignals.signalAll();
  else if (result.created) for (const r of result.records) cp.hostSignals.signal(r.hostId);
  // Interrupted Spot tasks' hosts learn of the notice now, not at their next poll.
  for (const h of result.interruptedHosts) cp.hostSignals.signal(h);
  return { tasks: result.records.map((r) => r.task), failures: result.failures };
}

/** What RunTask and the service scheduler hand to placement: one task per entry of `providers`. */
export interface LaunchSpec {
  clusterName: string;
  taskDefinition: TaskDefinitionRecord;
  size: TaskRecord['size'];
  overrides: Record<string, unknown>;
  /** One capacity provider (or none: a launch type) per task to launch. */
  providers: readonly (string | undefined)[];
  /** Per task, a zone to place it in (the service's spread); absent: any zone of its subnets. */
  zones?: readonly (string | undefined)[];
  awsvpc: ResolvedAwsvpc | undefined;
  networkConfiguration: Record<string, unknown> | undefined;
  group: string;
  startedBy: string | undefined;
  serviceName: string | undefined;
  enableExecuteCommand: boolean;
}

/**
 * Places and inserts the tasks (allocating their ENIs) inside the caller's transaction. Hosts
 * whose Spot tasks were interrupted to make room are returned for the caller to wake after commit.
 */
export async function placeAndInsertTasks(cp: ControlPlane, tx: Repos, spec: LaunchSpec): Promise<{ records: TaskRecord[]; failures: Failure[]; interruptedHosts: string[] }> {
  const { awsvpc, taskDefinition: def } = spec;
  // A task goes to a zone one of its subnets is in.
  const zones = awsvpc ? [...new Set(awsvpc.subnets.map((s) => s.availabilityZone))] : [];
  const requests = spec.providers.map((p, i) => ({
    size: spec.size, capacityProviderName: p ?? 'FARGATE', availabilityZones: spec.zones?.[i] !== undefined ? [spec.zones[i]!] : zones,
  }));
  const hosts = await hostSnapshots(tx);
  const decisions = placeTasks(requests, hosts);
  // An on-demand task that does not fit may take the room of Fargate Spot tasks (spot-interruptions.ts).
  const spot = new SpotReclaimer(cp, tx, hosts, decisions.flatMap((d) => (d.ok ? [{ hostId: d.hostId, size: spec.size }] : [])));
  const subnets = awsvpc?.subnets.map((s) => s.id) ?? [];
  const records: TaskRecord[] = [];
  const failures: Failure[] = [];
  for (const [i, decision] of decisions.entries()) {
    if (!decision.ok) {
      failures.push(await spot.failure(requests[i]!, decision));
      continue;
    }
    const { id, task } = newTask({
      scope: cp.scope, ids: cp.ids, nowMs: cp.clock.now(), clusterName: spec.clusterName, taskDefinition: def, size: spec.size,
      overrides: spec.overrides, capacityProviderName: spec.providers[i], availabilityZone: decision.availabilityZone,
      subnetId: subnets[i % Math.max(1, subnets.length)], group: spec.group,
      startedBy: spec.startedBy, enableExecuteCommand: spec.enableExecuteCommand,
    });
    let networkConfiguration = spec.networkConfiguration;
    if (awsvpc) {
      const attachment = task.attachments![0]!;
      const eni = await allocateTaskEni(tx, cp, awsvpc, decision.availabilityZone, i, task.taskArn, attachment.id);
      if (!eni.ok) {
        failures.push({ reason: eni.reason, detail: eni.detail });
        continue;
      }
      attachment.details = [{ name: 'subnetId', value: eni.eni.subnetId }];
      networkConfiguration = { ...networkConfiguration, eni: eni.eni };
    }
    const record: TaskRecord = {
      id, clusterName: spec.clusterName, hostId: decision.hostId, family: def.family, startedBy: spec.startedBy,
      serviceName: spec.serviceName, size: spec.size, networkConfiguration, task,
    };
    await tx.tasks.insert(record);
    records.push(record);
  }
  return { records, failures, interruptedHosts: [...spot.interruptedHosts] };
}

interface Volume { name: string; efsVolumeConfiguration?: { fileSystemId: string } }

/** Persistent volumes must exist before a task that mounts them is placed. */
async function checkFileSystemsExist(tx: Repos, volumes: Volume[] | undefined): Promise<void> {
  for (const v of volumes ?? []) {
    const ref = v.efsVolumeConfiguration?.fileSystemId;
    if (ref === undefined) continue;
    const id = ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf('/') + 1) : ref;
    if (!(await tx.fileSystems.get(id))) {
      throw new InvalidParameterException(`The file system '${ref}' used by volume '${v.name}' does not exist. Create it with CreateFileSystem first.`);
    }
  }
}

async function replayIdempotent(tx: Repos, clusterName: string, input: RunTaskInput): Promise<TaskRecord[] | undefined> {
  const prior = await tx.idempotency.get(`RunTask/${clusterName}`, input.clientToken!);
  if (!prior) return undefined;
  const records = await tx.tasks.getMany(clusterName, prior.resultArns);
  if (prior.requestHash !== requestHash(input)) {
    throw new ConflictException(
      'The clientToken was already used by a RunTask request with different parameters. Use a new clientToken for a different request.',
      records.map((r) => r.task.taskArn));
  }
  return records;
}

function requestHash(input: RunTaskInput): string {
  const { clientToken: _ignored, ...rest } = input;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function mergeTags(base: { key: string; value: string }[], own: { key: string; value: string }[]): { key: string; value: string }[] {
  const byKey = new Map(base.map((t) => [t.key, t.value]));
  for (const t of own) byKey.set(t.key, t.value);
  return [...byKey].map(([key, value]) => ({ key, value }));
}

export async function hostSnapshots(repos: Repos): Promise<HostSnapshot[]> {
  const [hosts, usage] = await Promise.all([repos.hosts.list(), repos.tasks.hostUsage()]);
  const byHost = new Map(usage.map((u) => [u.hostId, u]));
  return hosts.filter((h) => h.status === 'ACTIVE').map((h) => ({
    id: h.id,
    availabilityZone: h.availabilityZone,
    capacity: h.capacity,
    used: byHost.get(h.id)?.used ?? { cpu: 0, memory: 0, ephemeralStorageGiB: 0 },
    taskCount: byHost.get(h.id)?.taskCount ?? 0,
  }));
}

export interface DescribeTasksInput { cluster?: string; tasks: string[]; include?: string[] }

/**
 * DescribeTasks without `include`, each task as the JSON text the store holds (found once each, in
 * request order), so the edge can splice them into the reply without a parse and a stringify.
 */
export async function describeTaskDocs(cp: ControlPlane, input: DescribeTasksInput): Promise<{ tasks: string[]; failures: Failure[] }> {
  if (input.tasks.length === 0) throw new InvalidParameterException('Tasks cannot be empty.');
  if (input.tasks.length > 100) throw new InvalidParameterException('DescribeTasks accepts at most 100 tasks.');
  const clusterName = clusterNameFor(input.cluster);
  const wanted = input.tasks.map((ref) => {
    const parsed = taskIdOf(ref);
    return { ref, parsed, id: parsed && (parsed.cluster === undefined || parsed.cluster === clusterName) ? parsed.id : undefined };
  });
  const ids: string[] = [];
  for (const w of wanted) if (w.id !== undefined) ids.push(w.id);
  const found = await cp.store.read.tasks.docsInActiveCluster(clusterName, ids);
  if (!found) throw new ClusterNotFoundException('Cluster not found.');
  const tasks: string[] = [];
  const failures: Failure[] = [];
  const seen = new Set<string>();
  for (const w of wanted) {
    const doc = w.id === undefined ? undefined : found.get(w.id);
    if (doc === undefined) {
      failures.push({ arn: w.parsed && !w.ref.startsWith('arn:') ? arns.task(cp.scope, clusterName, w.parsed.id) : w.ref, reason: 'MISSING' });
    } else if (!seen.has(w.id!)) {
      seen.add(w.id!);
      tasks.push(doc);
    }
  }
  return { tasks, failures };
}

export async function describeTasks(cp: ControlPlane, input: DescribeTasksInput): Promise<{ tasks: Task[]; failures: Failure[] }> {
  const found = await describeTaskDocs(cp, input);
  const tasks = found.tasks.map((doc) => JSON.parse(doc) as Task);
  if (input.include?.includes('TAGS')) {
    const tags = await cp.store.read.tags.getMany(tasks.map((t) => t.taskArn));
    for (const [i, t] of tasks.entries()) tasks[i] = { ...t, tags: tags.get(t.taskArn) ?? [] };
  }
  return { tasks, failures: found.failures };
}

export async function listTasks(cp: ControlPlane, input: {
  cluster?: string; containerInstance?: string; family?: string; startedBy?: string; serviceName?: string;
  desiredStatus?: string; launchType?: string; nextToken?: string; maxResults?: number;
}): Promise<{ taskArns: string[]; nextToken?: string }> {
  const limit = pageSize(input.maxResults, 100);
  const cluster = await activeCluster(cp.store.read, input.cluster);
  // Fargate tasks run on no container instance; EC2/EXTERNAL launch types never match.
  if (input.containerInstance !== undefined || (input.launchType !== undefined && input.launchType !== 'FARGATE')) return { taskArns: [] };
  const page = await cp.store.read.tasks.list({
    clusterName: cluster.name,
    desiredStatus: input.desiredStatus ?? 'RUNNING',
    ...(input.family !== undefined ? { family: input.family } : {}),
    ...(input.startedBy !== undefined ? { startedBy: input.startedBy } : {}),
    ...(input.serviceName !== undefined ? { serviceName: input.serviceName } : {}),
    ...(input.launchType !== undefined ? { launchType: input.launchType } : {}),
    ...optional('afterId', decodeToken('ListTasks', input.nextToken)),
    limit,
  });
  const nextToken = encodeToken('ListTasks', page.nextKey);
  return { taskArns: page.items.map((r) => r.task.taskArn), ...(nextToken ? { nextToken } : {}) };
}

export async function stopTask(cp: ControlPlane, input: { cluster?: string; task: string; reason?: string }): Promise<{ task: Task }> {
  if (input.reason !== undefined && input.reason.length > 255) throw new InvalidParameterException('reason can be at most 255 characters.');
  let released = false;
  const record = await cp.store.transaction(async (tx) => {
    released = false;
    const cluster = await activeCluster(tx, input.cluster);
    const parsed = taskIdOf(input.task);
    const current = parsed && (parsed.cluster === undefined || parsed.cluster === cluster.name)
      ? await tx.tasks.get(cluster.name, parsed.id) : undefined;
    if (!current) throw new InvalidParameterException('The referenced task was not found.');
    const stopped = await requestTaskStop(cp, tx, current, { stopCode: StopCode.UserInitiated, reason: input.reason ?? 'Task stopped by user' });
    if (stopped.record === current) return current;
    released = stopped.released;
    await tx.tags.removeAll(stopped.record.task.taskArn);
    return stopped.record;
  });
  if (released) cp.hostSignals.signalAll();
  else cp.hostSignals.signal(record.hostId);
  return { task: record.task };
}

/**
 * Asks a task to stop (a task no agent has picked up stops at once) inside the caller's
 * transaction; `released` when its address was freed (the caller then wakes every host).
 */
export async function requestTaskStop(
  cp: ControlPlane, tx: Repos, current: TaskRecord, stop: { stopCode: StopCode; reason: string },
): Promise<{ record: TaskRecord; released: boolean }> {
  let { task } = requestStop(current.task, stop, cp.clock.now());
  if (current.hostId === undefined) task = stopUnstarted(task, cp.clock.now()).task;
  if (task === current.task) return { record: current, released: false };
  const next: TaskRecord = { ...current, task };
  await tx.tasks.update(next, current.task.version);
  return { record: next, released: await releaseIfStopped(tx, current, next) };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
