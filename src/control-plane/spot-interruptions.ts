/**
 * Fargate Spot interruptions. A Spot task is interrupted when on-demand work needs its room (see
 * scheduler/spot-reclaim.ts) or when an operator drills it (`pier spot interrupt`). From that moment
 * the task shows desiredStatus STOPPED with stopCode SpotInterruption and ECS's reason, as on AWS,
 * and keeps running for the notice (`--spot-notice-seconds`, 120 by default) while its metadata
 * endpoint tells it when its stop begins; then its containers get SIGTERM and, after their
 * stopTimeout, SIGKILL. A service replaces it as soon as the notice is given.
 */
import { taskIdOf } from '../ecs/arn.js';
import { FargateCapacityProvider, StopCode } from '../ecs/enums.js';
import { InvalidParameterException } from '../ecs/errors.js';
import type { HostCapacity } from '../protocol/agent.js';
import type { HostSnapshot, PlacementRequest, TaskSize } from '../scheduler/placement.js';
import { planSpotReclaim, type SpotTask } from '../scheduler/spot-reclaim.js';
import { requestStop } from '../scheduler/task-lifecycle.js';
import type { Repos, TaskRecord } from '../store/store.js';
import { activeCluster } from './clusters.js';
import type { ControlPlane } from './context.js';

export const SPOT_INTERRUPTED_REASON = 'Your Spot Task was interrupted.';
/** Fargate's two-minute warning. */
export const DEFAULT_SPOT_NOTICE_MS = 120_000;

const isSpot = (r: TaskRecord): boolean => r.task.capacityProviderName === FargateCapacityProvider.FARGATE_SPOT;
const running = (r: TaskRecord): boolean => r.task.lastStatus !== 'STOPPED' && r.task.desiredStatus === 'RUNNING';

/** Gives these tasks their notice, inside the caller's transaction; returns the records as written. */
export async function interruptSpotTasks(tx: Repos, cp: ControlPlane, records: readonly TaskRecord[]): Promise<TaskRecord[]> {
  const now = cp.clock.now();
  const out: TaskRecord[] = [];
  for (const r of records) {
    const { task, changed } = requestStop(r.task, { stopCode: StopCode.SpotInterruption, reason: SPOT_INTERRUPTED_REASON }, now);
    if (!changed) continue;
    const next: TaskRecord = { ...r, task, stopNotBeforeMs: now + (cp.config.spotNoticeMs ?? DEFAULT_SPOT_NOTICE_MS) };
    await tx.tasks.update(next, r.task.version);
    out.push(next);
  }
  if (out.length > 0) cp.log.info('Spot tasks interrupted', { tasks: out.map((r) => r.task.taskArn) });
  return out;
}

/**
 * Placement's fallback within one launch (one transaction): an on-demand task that found no room
 * interrupts as few Spot tasks as will make it, and its failure says so. Room promised to one task
 * of the batch is not promised again to the next.
 */
export class SpotReclaimer {
  /** Spot tasks on the hosts, read once per launch and kept current as tasks are given notice. */
  private spot: { task: SpotTask; record: TaskRecord }[] | undefined;
  /** Hosts whose tasks were given notice: the caller wakes them once its transaction commits. */
  readonly interruptedHosts = new Set<string>();

  private hosts: readonly HostSnapshot[];

  /** `hosts`: the snapshot placement decided on; `placed`: the launch's own placements on them. */
  constructor(private readonly cp: ControlPlane, private readonly tx: Repos, hosts: readonly HostSnapshot[], placed: readonly { hostId: string; size: TaskSize }[]) {
    this.hosts = hosts.map((h) => placed.filter((p) => p.hostId === h.id).reduce((x, p) => ({ ...x, used: plus(x.used, p.size) }), h));
  }

  async failure(request: PlacementRequest, refused: { reason: string; detail: string }): Promise<{ reason: string; detail: string }> {
    if (request.capacityProviderName === FargateCapacityProvider.FARGATE_SPOT) return refused;
    const spot = this.spot ??= await this.spotTasks();
    const plan = planSpotReclaim(request, this.hosts, spot.map((s) => s.task));
    if (!plan) return refused;
    const chosen = spot.filter((s) => plan.interrupt.includes(s.task.taskId));
    const interrupted = await interruptSpotTasks(this.tx, this.cp, chosen.map((s) => s.record));
    for (const s of chosen) s.task = { ...s.task, underNotice: true };
    for (const r of interrupted) if (r.hostId) this.interruptedHosts.add(r.hostId);
    // The room is this task's: count it as used for the rest of the batch.
    this.hosts = this.hosts.map((h) => (h.id === plan.hostId ? { ...h, used: plus(h.used, request.size) } : h));
    const notice = Math.round((this.cp.config.spotNoticeMs ?? DEFAULT_SPOT_NOTICE_MS) / 1000);
    const what = interrupted.length > 0
      ? `${interrupted.length} Fargate Spot task(s) on host ${plan.hostId} were interrupted to make room`
      : `Fargate Spot task(s) on host ${plan.hostId} already interrupted to make room are finishing their notice`;
    return { reason: refused.reason, detail: `${refused.detail} ${what}; run the task again in about ${notice} s.` };
  }

  private async spotTasks(): Promise<{ task: SpotTask; record: TaskRecord }[]> {
    const out: { task: SpotTask; record: TaskRecord }[] = [];
    for (const h of this.hosts) {
      for (const r of await this.tx.tasks.onHost(h.id)) {
        if (!isSpot(r) || r.task.lastStatus === 'STOPPED') continue;
        out.push({
          record: r,
          task: {
            taskId: r.id, hostId: h.id, size: r.size, underNotice: r.task.desiredStatus === 'STOPPED',
            ...(r.task.startedAt !== undefined ? { startedAtMs: r.task.startedAt * 1000 } : {}),
          },
        });
      }
    }
    return out;
  }
}

const plus = (a: HostCapacity, b: TaskSize): HostCapacity =>
  ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory, ephemeralStorageGiB: a.ephemeralStorageGiB + b.ephemeralStorageGiB });

export interface InterruptRequest {
  cluster?: string;
  /** Task ids or ARNs; without them, `count` Spot tasks of the cluster (youngest first). */
  tasks?: string[];
  count?: number;
}

/** The drill's request body: `{"cluster"?, "tasks"?: [...], "count"?}`. */
export function parseInterruptRequest(body: Buffer): InterruptRequest {
  let v: unknown;
  try {
    v = body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    throw new InvalidParameterException('The request body must be JSON: {"cluster": …, "tasks": […] | "count": N}.');
  }
  const o = (v ?? {}) as Record<string, unknown>;
  const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((e) => typeof e === 'string');
  if (typeof o !== 'object' || Array.isArray(o)
    || (o.cluster !== undefined && typeof o.cluster !== 'string')
    || (o.tasks !== undefined && !strings(o.tasks))
    || (o.count !== undefined && typeof o.count !== 'number')) {
    throw new InvalidParameterException('Expected {"cluster": string, "tasks": [string] | "count": number}.');
  }
  return {
    ...(o.cluster !== undefined ? { cluster: o.cluster as string } : {}),
    ...(o.tasks !== undefined ? { tasks: o.tasks as string[] } : {}),
    ...(o.count !== undefined ? { count: o.count as number } : {}),
  };
}

/** The operator's drill: interrupts Spot tasks now. Returns the ARNs of the tasks given notice. */
export async function interruptOnRequest(cp: ControlPlane, input: InterruptRequest): Promise<string[]> {
  if (input.count !== undefined && (!Number.isInteger(input.count) || input.count < 1)) throw new InvalidParameterException('count must be a positive integer.');
  const written = await cp.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, input.cluster);
    let chosen: TaskRecord[];
    if (input.tasks?.length) {
      chosen = [];
      for (const ref of input.tasks) {
        const id = taskIdOf(ref);
        const r = id && (id.cluster === undefined || id.cluster === cluster.name) ? await tx.tasks.get(cluster.name, id.id) : undefined;
        if (!r) throw new InvalidParameterException(`The referenced task was not found: ${ref}`);
        if (!isSpot(r)) throw new InvalidParameterException(`Task ${r.task.taskArn} does not run on FARGATE_SPOT capacity.`);
        if (running(r)) chosen.push(r);
      }
    } else {
      const all: TaskRecord[] = [];
      for (const h of await tx.hosts.list()) all.push(...(await tx.tasks.onHost(h.id)).filter((r) => r.clusterName === cluster.name));
      chosen = all.filter((r) => isSpot(r) && running(r))
        .sort((a, b) => (b.task.startedAt ?? Infinity) - (a.task.startedAt ?? Infinity) || (a.id < b.id ? -1 : 1))
        .slice(0, input.count ?? 1);
    }
    return interruptSpotTasks(tx, cp, chosen);
  });
  for (const r of written) cp.hostSignals.signal(r.hostId);
  return written.map((r) => r.task.taskArn);
}
