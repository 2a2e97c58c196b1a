/**
 * Fargate Spot reclaim: when an on-demand task does not fit anywhere, which Spot tasks to interrupt
 * to make room for it. Pure: the caller passes the hosts (with what is used on them) and the Spot
 * tasks that are running, and gets back the host the task will go to and the tasks to interrupt,
 * or nothing when interrupting every Spot task still would not make room.
 *
 * Spot tasks already under an interruption notice count as room that is coming: a second
 * on-demand task waiting for the same room does not interrupt more of them. Among the hosts that
 * can be freed, the one needing the fewest interruptions wins, then the one leaving the least
 * room unused; on a host the youngest Spot tasks go first (they have done the least work), and a
 * task is interrupted only if the room it frees is needed.
 */
import type { HostCapacity } from '../protocol/agent.js';
import type { HostSnapshot, PlacementRequest, TaskSize } from './placement.js';

export interface SpotTask {
  readonly taskId: string;
  readonly hostId: string;
  readonly size: TaskSize;
  /** When it started (epoch ms); unstarted tasks count as the youngest. */
  readonly startedAtMs?: number;
  /** It has been told it will be interrupted; its room is as good as free. */
  readonly underNotice: boolean;
}

export interface ReclaimPlan {
  readonly hostId: string;
  readonly availabilityZone: string;
  /** Spot tasks to interrupt now (none when tasks under notice already free enough). */
  readonly interrupt: readonly string[];
}

export function planSpotReclaim(request: PlacementRequest, hosts: readonly HostSnapshot[], spot: readonly SpotTask[]): ReclaimPlan | undefined {
  let best: { plan: ReclaimPlan; slack: number } | undefined;
  for (const host of hosts) {
    if (request.availabilityZones?.length && !request.availabilityZones.includes(host.availabilityZone)) continue;
    const onHost = spot.filter((t) => t.hostId === host.id);
    let free = subtract(host.capacity, host.used);
    for (const t of onHost) if (t.underNotice) free = add(free, t.size);
    const interrupt: string[] = [];
    // Youngest first: unstarted, then latest started; the id keeps the order total.
    const candidates = onHost.filter((t) => !t.underNotice).sort((a, b) =>
      (b.startedAtMs ?? Infinity) - (a.startedAtMs ?? Infinity) || (a.taskId < b.taskId ? -1 : 1));
    for (const t of candidates) {
      if (fits(request.size, free)) break;
      if (!helps(request.size, free, t.size)) continue;
      free = add(free, t.size);
      interrupt.push(t.taskId);
    }
    if (!fits(request.size, free)) continue;
    const slack = free.memory - request.size.memory;
    if (!best || interrupt.length < best.plan.interrupt.length || (interrupt.length === best.plan.interrupt.length && slack < best.slack)) {
      best = { plan: { hostId: host.id, availabilityZone: host.availabilityZone, interrupt }, slack };
    }
  }
  return best?.plan;
}

const fits = (size: TaskSize, free: HostCapacity): boolean =>
  size.cpu <= free.cpu && size.memory <= free.memory && size.ephemeralStorageGiB <= free.ephemeralStorageGiB;

/** Whether freeing `t` brings some resource the request still lacks closer. */
const helps = (size: TaskSize, free: HostCapacity, t: TaskSize): boolean =>
  (size.cpu > free.cpu && t.cpu > 0) || (size.memory > free.memory && t.memory > 0)
  || (size.ephemeralStorageGiB > free.ephemeralStorageGiB && t.ephemeralStorageGiB > 0);

const subtract = (a: HostCapacity, b: HostCapacity): HostCapacity =>
  ({ cpu: a.cpu - b.cpu, memory: a.memory - b.memory, ephemeralStorageGiB: a.ephemeralStorageGiB - b.ephemeralStorageGiB });

const add = (a: HostCapacity, b: TaskSize): HostCapacity =>
  ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory, ephemeralStorageGiB: a.ephemeralStorageGiB + b.ephemeralStorageGiB });
