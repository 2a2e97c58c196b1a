/**
 * The task state machine, as one pure module. Every change to a task's status goes through here:
 *
 *   PROVISIONING → PENDING → ACTIVATING → RUNNING → DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED
 *
 * lastStatus only moves forward (a late or repeated report is ignored). desiredStatus is the
 * control plane's (RUNNING → STOPPED, once); lastStatus is the agent's, except when the host is
 * gone and nobody else can report (`stopOnLostHost`). Each function returns a new task and never
 * mutates its input; `changed` says whether anything moved, and `version` goes up by one when it did.
 * Timestamps in and out are epoch milliseconds converted to ECS's epoch seconds at the boundary.
 */
import { StopCode, TaskStatus, taskStatusRank } from '../ecs/enums.js';
import type { Container, Task } from '../ecs/wire.js';
import type { ContainerReport, TaskReport } from '../protocol/agent.js';

export interface Transition {
  readonly task: Task;
  readonly changed: boolean;
}

const sec = (ms: number): number => ms / 1000;
const unchanged = (task: Task): Transition => ({ task, changed: false });

/** StopTask, service scale-in, Spot reclaim: ask for the task to stop. The first reason wins. */
export function requestStop(task: Task, stop: { stopCode: StopCode; reason: string }, nowMs: number): Transition {
  if (task.desiredStatus === 'STOPPED') return unchanged(task);
  const next: Task = {
    ...task,
    desiredStatus: 'STOPPED',
    stopCode: stop.stopCode,
    stoppedReason: stop.reason,
    stoppingAt: sec(nowMs),
    version: task.version + 1,
  };
  return { task: next, changed: true };
}

/**
 * A task no agent has picked up yet can stop without one: nothing ran, so there is nothing to
 * tear down. Used when a stop is requested for a task still PROVISIONING on no host.
 */
export function stopUnstarted(task: Task, nowMs: number): Transition {
  if (task.lastStatus !== 'PROVISIONING') return unchanged(task);
  return { task: finishStop(task, nowMs, 'Task stopped before it was started'), changed: true };
}

/** Apply what an agent observed. Out-of-order or repeated reports leave the task as it is. */
export function applyReport(task: Task, report: TaskReport, nowMs: number): Transition {
  const at = report.at ?? nowMs;
  const from = taskStatusRank(task.lastStatus);
  const to = taskStatusRank(report.lastStatus);
  let next: Task = { ...task };
  let changed = false;

  if (report.containers?.length) {
    const merged = mergeContainers(task.containers, report.containers);
    if (merged !== task.containers) {
      next.containers = merged;
      changed = true;
    }
  }
  if (report.healthStatus && report.healthStatus !== task.healthStatus && to >= from) {
    next.healthStatus = report.healthStatus;
    changed = true;
  }
  if (report.pullStartedAt !== undefined && next.pullStartedAt === undefined) {
    next.pullStartedAt = sec(report.pullStartedAt);
    changed = true;
  }
  if (report.pullStoppedAt !== undefined && next.pullStoppedAt === undefined) {
    next.pullStoppedAt = sec(report.pullStoppedAt);
    changed = true;
  }
  if (report.networkInterface && task.lastStatus !== 'STOPPED') {
    const attachments = attachEni(next.attachments, report.networkInterface);
    if (JSON.stringify(attachments) !== JSON.stringify(next.attachments)) {
      next.attachments = attachments;
      changed = true;
    }
  }
  if (to > from) {
    next = advance(next, report, at);
    changed = true;
  }
  if (!changed) return unchanged(task);
  next.version = task.version + 1;
  return { task: next, changed: true };
}

/** The host running the task stopped heartbeating: the task is gone, say so and why. */
export function stopOnLostHost(task: Task, reason: string, nowMs: number): Transition {
  if (task.lastStatus === 'STOPPED') return unchanged(task);
  const reachedRunning = taskStatusRank(task.lastStatus) >= taskStatusRank('RUNNING');
  let next: Task = task;
  if (task.desiredStatus !== 'STOPPED') {
    next = requestStop(task, {
      stopCode: reachedRunning ? StopCode.TerminationNotice : StopCode.TaskFailedToStart,
      reason,
    }, nowMs).task;
  }
  return { task: { ...finishStop(next, nowMs, reason), version: task.version + 1 }, changed: true };
}

function advance(task: Task, report: TaskReport, atMs: number): Task {
  const next: Task = { ...task, lastStatus: report.lastStatus };
  const rank = taskStatusRank(report.lastStatus);
  if (rank >= taskStatusRank('RUNNING') && task.startedAt === undefined && report.lastStatus === 'RUNNING') {
    next.startedAt = sec(atMs);
    next.connectivity = 'CONNECTED';
    next.connectivityAt = sec(atMs);
  }
  if (rank >= taskStatusRank('STOPPING') && next.desiredStatus !== 'STOPPED') {
    // The task stopped on its own (an essential container exited, or it never started).
    next.desiredStatus = 'STOPPED';
    next.stopCode = report.stopCode ?? (task.startedAt === undefined ? StopCode.TaskFailedToStart : StopCode.EssentialContainerExited);
    next.stoppedReason = report.stoppedReason ?? (next.stopCode === StopCode.EssentialContainerExited
      ? 'Essential container in task exited'
      : 'Task failed to start');
    next.stoppingAt = sec(atMs);
  }
  if (rank >= taskStatusRank('STOPPING') && next.stoppingAt === undefined) next.stoppingAt = sec(atMs);
  if (rank >= taskStatusRank('DEPROVISIONING') && next.executionStoppedAt === undefined) {
    next.executionStoppedAt = sec(atMs);
  }
  if (report.lastStatus === TaskStatus.STOPPED) return finishStop(next, atMs, undefined);
  if (rank >= taskStatusRank('PENDING')) next.attachments = setAttachmentStatus(next.attachments, 'ATTACHED');
  return next;
}

function finishStop(task: Task, atMs: number, containerReason: string | undefined): Task {
  return {
    ...task,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stoppingAt: task.stoppingAt ?? sec(atMs),
    executionStoppedAt: task.executionStoppedAt ?? sec(atMs),
    stoppedAt: sec(atMs),
    connectivity: task.connectivity ? 'DISCONNECTED' : undefined,
    containers: task.containers.map((c) => ({
      ...c,
      lastStatus: 'STOPPED',
      ...(c.reason === undefined && c.exitCode === undefined && containerReason ? { reason: containerReason } : {}),
    })),
    attachments: setAttachmentStatus(task.attachments, 'DELETED'),
  };
}

function mergeContainers(current: Container[], reports: ContainerReport[]): Container[] {
  let changed = false;
  const out = current.map((c) => {
    const r = reports.find((x) => x.name === c.name);
    if (!r) return c;
    const merged = mergeContainer(c, r);
    if (merged !== c) changed = true;
    return merged;
  });
  return changed ? out : current;
}

const containerRank = { PENDING: 0, RUNNING: 1, STOPPED: 2 } as const;

function mergeContainer(c: Container, r: ContainerReport): Container {
  const next: Container = { ...c };
  let changed = false;
  const set = <K extends keyof Container>(key: K, value: Container[K] | undefined): void => {
    if (value !== undefined && next[key] !== value) {
      next[key] = value;
      changed = true;
    }
  };
  if (containerRank[r.lastStatus] > containerRank[c.lastStatus]) set('lastStatus', r.lastStatus);
  set('runtimeId', r.runtimeId);
  set('imageDigest', r.imageDigest);
  set('exitCode', r.exitCode);
  set('reason', r.reason?.slice(0, 1024));
  set('healthStatus', r.healthStatus);
  return changed ? next : c;
}

function setAttachmentStatus(attachments: Task['attachments'], status: string): Task['attachments'] {
  return attachments.map((a) => (a.type === 'ElasticNetworkInterface' && a.status !== status ? { ...a, status } : a));
}

function attachEni(attachments: Task['attachments'], eni: NonNullable<TaskReport['networkInterface']>): Task['attachments'] {
  return attachments.map((a) => {
    if (a.type !== 'ElasticNetworkInterface') return a;
    const details = a.details.filter((d) => !(d.name in eni));
    for (const [name, value] of Object.entries(eni)) if (value !== undefined) details.push({ name, value });
    return { ...a, details };
  });
}
