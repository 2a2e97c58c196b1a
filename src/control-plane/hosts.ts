/**
 * The server side of the agent protocol: hosts register, heartbeat, fetch their assignments and
 * report what they observe. Hosts authenticate registration with the cluster join token and every
 * later call with the host token registration returned (stored only as a SHA-256 hash).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { taskIdOf } from '../ecs/arn.js';
import type { Task } from '../ecs/wire.js';
import type { Assignment, AssignmentsResponse, EniAssignment, HostCapacity, NetworkPolicy, RegisterHostRequest, RegisterHostResponse, TaskReport } from '../protocol/agent.js';
import { applyReport } from '../scheduler/task-lifecycle.js';
import { ConflictError, type HostRecord, type TaskRecord } from '../store/store.js';
import type { ControlPlane } from './context.js';
import { eniDetails, eniOf, networkPolicyFor, releaseIfStopped } from './task-networking.js';
import { withExecuteCommandAgent } from './exec-sessions-agent.js';
import { definitionOfTask } from './task-definitions.js';
import { roleArnOf } from '../ecs/task-definition/role-arns.js';

export class AgentProtocolError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

function checkCapacity(c: HostCapacity | undefined): HostCapacity {
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  if (!c || !ok(c.cpu) || !ok(c.memory) || !ok(c.ephemeralStorageGiB)) {
    throw new AgentProtocolError(400, 'InvalidCapacity', 'capacity must have non-negative integer cpu (units), memory (MiB) and ephemeralStorageGiB.');
  }
  return { cpu: c.cpu, memory: c.memory, ephemeralStorageGiB: c.ephemeralStorageGiB };
}

export async function registerHost(cp: ControlPlane, req: RegisterHostRequest): Promise<RegisterHostResponse> {
  const capacity = checkCapacity(req.capacity);
  const az = req.availabilityZone || cp.config.availabilityZones[0]!;
  if (!cp.config.availabilityZones.includes(az)) {
    throw new AgentProtocolError(400, 'InvalidAvailabilityZone', `availabilityZone must be one of ${cp.config.availabilityZones.join(', ')}, got '${az}'.`);
  }
  if (req.hostId !== undefined && !/^h-[0-9a-f]{32}$/.test(req.hostId)) {
    throw new AgentProtocolError(400, 'InvalidHostId', 'hostId must be an id this server issued (h-<32 hex>).');
  }
  const hostToken = randomBytes(32).toString('base64url');
  const now = cp.clock.now();
  const host = await cp.store.transaction(async (tx) => {
    const existing = req.hostId ? await tx.hosts.get(req.hostId) : undefined;
    if (req.hostId && !existing) {
      throw new AgentProtocolError(404, 'UnknownHost', `Host ${req.hostId} is not registered here; register without a hostId to get a new one.`);
    }
    const record: HostRecord = {
      id: existing?.id ?? `h-${cp.ids.hex32()}`,
      availabilityZone: az,
      capacity,
      status: 'ACTIVE',
      tokenHash: hashToken(hostToken),
      hostname: req.hostname,
      runtimes: req.runtimes ?? [],
      registeredAt: existing?.registeredAt ?? now,
      lastHeartbeatAt: now,
      version: (existing?.version ?? 0) + 1,
    };
    await tx.hosts.put(record, existing?.version);
    return record;
  });
  cp.log.info('host registered', { hostId: host.id, availabilityZone: az, capacity });
  return {
    hostId: host.id,
    hostToken,
    heartbeatIntervalSeconds: cp.config.heartbeatIntervalMs / 1000,
    lostAfterSeconds: cp.config.hostLostAfterMs / 1000,
  };
}

/** Checks a host token; a LOST host must register again. */
export async function authenticateHost(cp: ControlPlane, hostId: string, token: string | undefined): Promise<HostRecord> {
  const host = await cp.store.read.hosts.get(hostId);
  if (!host || !token || !sameHash(host.tokenHash, hashToken(token))) {
    throw new AgentProtocolError(401, 'Unauthorized', 'Unknown host or wrong host token.');
  }
  if (host.status !== 'ACTIVE') {
    throw new AgentProtocolError(409, 'HostLost', 'This host was marked LOST after missing heartbeats; register again.');
  }
  return host;
}

export async function heartbeat(cp: ControlPlane, host: HostRecord): Promise<void> {
  await retryOnConflict(() => cp.store.transaction(async (tx) => {
    const current = await tx.hosts.get(host.id);
    if (!current || current.status !== 'ACTIVE') throw new AgentProtocolError(409, 'HostLost', 'Host is not active; register again.');
    await tx.hosts.put({ ...current, lastHeartbeatAt: cp.clock.now(), version: current.version + 1 }, current.version);
  }));
}

/** A fingerprint of the host's task set: any new, changed or finished task changes it. */
function cursorOf(records: readonly TaskRecord[], policy: NetworkPolicy): string {
  const h = createHash('sha256');
  for (const r of records) h.update(`${r.id}:${r.task.version};`);
  h.update(JSON.stringify(policy));
  return h.digest('base64url').slice(0, 22);
}

/**
 * Once the ENI is attached (PENDING on), ECS shows its details on the attachment and the task's
 * containers; before that, only the subnet.
 */
function withEniDetails(task: Task, eni: EniAssignment | undefined): Task {
  const att = task.attachments?.[0];
  if (!eni || !att || att.status !== 'ATTACHED' || JSON.stringify(att.details) === JSON.stringify(eniDetails(eni))) return task;
  return {
    ...task,
    attachments: [{ ...att, details: eniDetails(eni) }, ...task.attachments!.slice(1)],
    containers: task.containers.map((c) => ({ ...c, networkInterfaces: [{ attachmentId: att.id, privateIpv4Address: eni.privateIpv4Address }] })),
  };
}

export async function assignments(cp: ControlPlane, host: HostRecord, since: string | undefined, waitMs: number, abort?: AbortSignal): Promise<AssignmentsResponse> {
  let records = await cp.store.read.tasks.onHost(host.id);
  let policy = await networkPolicyFor(cp.store.read, records);
  // Wake-ups may concern other hosts (signalAll): wait on until this host's view changed or time is up.
  const deadline = Date.now() + waitMs;
  while (since !== undefined && cursorOf(records, policy) === since && Date.now() < deadline && !abort?.aborted) {
    await cp.hostSignals.wait(host.id, deadline - Date.now(), abort);
    records = await cp.store.read.tasks.onHost(host.id);
    policy = await networkPolicyFor(cp.store.read, records);
  }
  const defs = new Map<string, Record<string, unknown>>();
  const tasks: Assignment[] = [];
  for (const r of records) {
    let def = defs.get(r.task.taskDefinitionArn);
    if (!def) {
      const rec = await definitionOfTask(cp.store.read, r.task);
      def = rec ? { taskDefinitionArn: rec.arn, ...rec.body, family: rec.family, revision: rec.revision } : {};
      defs.set(r.task.taskDefinitionArn, def);
    }
    tasks.push({
      taskArn: r.task.taskArn, taskId: r.id, clusterArn: r.task.clusterArn, desiredStatus: r.task.desiredStatus,
      lastStatus: r.task.lastStatus, version: r.task.version, taskDefinition: def, overrides: r.task.overrides, size: r.size,
      ...(r.task.capacityProviderName ? { capacityProviderName: r.task.capacityProviderName } : {}),
      ...(r.task.availabilityZone ? { availabilityZone: r.task.availabilityZone } : {}),
      ...(r.networkConfiguration ? { networkConfiguration: r.networkConfiguration } : {}),
      ...(eniOf(r) ? { eni: eniOf(r) } : {}),
      ...taskRoleOf(cp, r, def),
      ...(r.task.stopCode ? { stopCode: r.task.stopCode } : {}),
      ...(r.task.stoppedReason ? { stoppedReason: r.task.stoppedReason } : {}),
      ...(r.stopNotBeforeMs !== undefined ? { stopNotBeforeMs: r.stopNotBeforeMs } : {}),
    });
  }
  return { tasks, cursor: cursorOf(records, policy), fileSystemIds: await allFileSystemIds(cp), networkPolicy: policy };
}

/** The task role (RunTask's override wins over the definition's), with the task's credentials id. */
function taskRoleOf(cp: ControlPlane, r: TaskRecord, def: Record<string, unknown>): Pick<Assignment, 'taskRole'> {
  const roleArn = taskRoleArnOf(r, def);
  return roleArn ? { taskRole: { roleArn, credentialsId: cp.sessions.credentialsIdFor(r.task.taskArn) } } : {};
}

export function taskRoleArnOf(r: TaskRecord, def: Record<string, unknown>): string | undefined {
  return roleArnOf('taskRoleArn', r.task.overrides, def);
}

async function allFileSystemIds(cp: ControlPlane): Promise<string[]> {
  const ids: string[] = [];
  let afterId: string | undefined;
  do {
    const page = await cp.store.read.fileSystems.list({ limit: 1000, ...(afterId ? { afterId } : {}) });
    ids.push(...page.items.map((f) => f.id));
    afterId = page.nextKey;
  } while (afterId);
  return ids;
}

export async function reportTask(cp: ControlPlane, host: HostRecord, taskArn: string, report: TaskReport): Promise<{ lastStatus: string; desiredStatus: string; version: number }> {
  const ref = taskIdOf(taskArn);
  if (!ref?.cluster) throw new AgentProtocolError(400, 'InvalidTask', 'taskArn must be a full task ARN.');
  let stoppedNow = false;
  const updated = await retryOnConflict(() => cp.store.transaction(async (tx) => {
    stoppedNow = false;
    const current = await tx.tasks.get(ref.cluster!, ref.id);
    if (!current || current.hostId !== host.id) throw new AgentProtocolError(404, 'TaskNotAssigned', 'No such task on this host.');
    // With an ENI allocated here, the control plane's record of it is the truth, not the agent's.
    const { task, changed } = applyReport(current.task, eniOf(current) ? { ...report, networkInterface: undefined } : report, cp.clock.now());
    if (!changed) return current;
    const next: TaskRecord = { ...current, task: withExecuteCommandAgent(withEniDetails(task, eniOf(current)), cp.clock.now()) };
    await tx.tasks.update(next, current.task.version);
    stoppedNow = await releaseIfStopped(tx, current, next);
    return next;
  }));
  // A stopped task's address left its security groups: other hosts' policies change.
  if (stoppedNow) cp.hostSignals.signalAll();
  return { lastStatus: updated.task.lastStatus, desiredStatus: updated.task.desiredStatus, version: updated.task.version };
}

async function retryOnConflict<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof ConflictError) || i >= attempts) throw err;
    }
  }
}
