/**
 * Task scale-in protection: UpdateTaskProtection and GetTaskProtection. A protected task is not
 * stopped by the service scheduler for scale-in or deployments until the protection expires
 * (default 2 hours, at most 48).
 */
import { taskIdOf } from '../ecs/arn.js';
import { InvalidParameterException } from '../ecs/errors.js';
import type { Failure } from '../ecs/wire.js';
import type { Repos, TaskRecord } from '../store/store.js';
import { activeCluster } from './clusters.js';
import type { ControlPlane } from './context.js';
import { nudgeServiceController } from './controllers/service-controller.js';

interface ProtectedTask { taskArn: string; protectionEnabled: boolean; expirationDate?: number }

const DEFAULT_MINUTES = 120;
const MAX_MINUTES = 2880;

export async function updateTaskProtection(cp: ControlPlane, input: {
  cluster: string; tasks: string[]; protectionEnabled: boolean; expiresInMinutes?: number;
}): Promise<{ protectedTasks: ProtectedTask[]; failures: Failure[] }> {
  checkTaskList(input.tasks);
  const minutes = input.expiresInMinutes ?? DEFAULT_MINUTES;
  if (input.protectionEnabled && (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_MINUTES)) {
    throw new InvalidParameterException(`expiresInMinutes must be between 1 and ${MAX_MINUTES}, got ${minutes}.`);
  }
  const result = await cp.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, input.cluster);
    const { found, failures } = await findTasks(tx, cluster.name, input.tasks);
    const expiresAt = input.protectionEnabled ? cp.clock.now() + minutes * 60_000 : undefined;
    for (const r of found) await tx.taskProtection.put(cluster.name, r.id, expiresAt);
    return {
      protectedTasks: found.map((r) => protectionOf(r, expiresAt, cp.clock.now())),
      failures,
    };
  });
  nudgeServiceController(cp);
  return result;
}

export async function getTaskProtection(cp: ControlPlane, input: { cluster: string; tasks?: string[] }): Promise<{ protectedTasks: ProtectedTask[]; failures: Failure[] }> {
  const refs = input.tasks ?? [];
  if (refs.length) checkTaskList(refs);
  const cluster = await activeCluster(cp.store.read, input.cluster);
  const { found, failures } = await findTasks(cp.store.read, cluster.name, refs);
  const until = await cp.store.read.taskProtection.get(cluster.name, found.map((r) => r.id));
  return { protectedTasks: found.map((r) => protectionOf(r, until.get(r.id), cp.clock.now())), failures };
}

function checkTaskList(tasks: readonly string[]): void {
  if (tasks.length === 0) throw new InvalidParameterException('Tasks cannot be empty.');
  if (tasks.length > 10) throw new InvalidParameterException('Task protection accepts at most 10 tasks per call.');
}

/** Tasks that are not STOPPED; the rest are failures (TASK_NOT_VALID), as ECS reports them. */
async function findTasks(repos: Repos, clusterName: string, refs: readonly string[]): Promise<{ found: TaskRecord[]; failures: Failure[] }> {
  const found: TaskRecord[] = [];
  const failures: Failure[] = [];
  for (const ref of refs) {
    const parsed = taskIdOf(ref);
    const r = parsed && (parsed.cluster === undefined || parsed.cluster === clusterName) ? await repos.tasks.get(clusterName, parsed.id) : undefined;
    if (!r || r.task.lastStatus === 'STOPPED') failures.push({ arn: ref, reason: 'TASK_NOT_VALID', detail: 'The task does not exist in the cluster or has stopped.' });
    else if (!found.some((f) => f.id === r.id)) found.push(r);
  }
  return { found, failures };
}

function protectionOf(r: TaskRecord, expiresAt: number | undefined, now: number): ProtectedTask {
  return expiresAt !== undefined && expiresAt > now
    ? { taskArn: r.task.taskArn, protectionEnabled: true, expirationDate: expiresAt / 1000 }
    : { taskArn: r.task.taskArn, protectionEnabled: false };
}
