/**
 * Placement: fit tasks into free host capacity. Pure: the caller passes a snapshot of hosts with
 * what is already used on them and gets back one decision per task. Fargate spreads a task set
 * across availability zones, so we do too: the zone holding fewest tasks wins, then the host with
 * the most free memory (tasks spread rather than pile up), then the host id for determinism.
 */
import type { HostCapacity } from '../protocol/agent.js';

export interface TaskSize { cpu: number; memory: number; ephemeralStorageGiB: number }

export interface HostSnapshot {
  readonly id: string;
  readonly availabilityZone: string;
  readonly capacity: HostCapacity;
  readonly used: HostCapacity;
  /** Tasks (not STOPPED) on the host now. */
  readonly taskCount: number;
}

export interface PlacementRequest {
  readonly size: TaskSize;
  readonly capacityProviderName: string;
  /** Zones the task may go to (from its subnets); empty means any. */
  readonly availabilityZones?: readonly string[];
}

export type PlacementDecision =
  | { readonly ok: true; readonly hostId: string; readonly availabilityZone: string }
  | { readonly ok: false; readonly reason: string; readonly detail: string };

export function placeTasks(requests: readonly PlacementRequest[], hosts: readonly HostSnapshot[]): PlacementDecision[] {
  const free = new Map(hosts.map((h) => [h.id, freeOf(h)]));
  const zoneLoad = new Map<string, number>();
  for (const h of hosts) zoneLoad.set(h.availabilityZone, (zoneLoad.get(h.availabilityZone) ?? 0) + h.taskCount);

  return requests.map((req) => {
    const candidates = hosts.filter((h) => {
      const f = free.get(h.id)!;
      const zoneOk = !req.availabilityZones?.length || req.availabilityZones.includes(h.availabilityZone);
      return zoneOk && fits(req.size, f);
    });
    if (candidates.length === 0) return failure(req, hosts, free);
    candidates.sort((a, b) =>
      (zoneLoad.get(a.availabilityZone) ?? 0) - (zoneLoad.get(b.availabilityZone) ?? 0)
      || free.get(b.id)!.memory - free.get(a.id)!.memory
      || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const chosen = candidates[0]!;
    free.set(chosen.id, subtract(free.get(chosen.id)!, req.size));
    zoneLoad.set(chosen.availabilityZone, (zoneLoad.get(chosen.availabilityZone) ?? 0) + 1);
    return { ok: true, hostId: chosen.id, availabilityZone: chosen.availabilityZone };
  });
}

function freeOf(h: HostSnapshot): HostCapacity {
  return {
    cpu: h.capacity.cpu - h.used.cpu,
    memory: h.capacity.memory - h.used.memory,
    ephemeralStorageGiB: h.capacity.ephemeralStorageGiB - h.used.ephemeralStorageGiB,
  };
}

function fits(size: TaskSize, free: HostCapacity): boolean {
  return size.cpu <= free.cpu && size.memory <= free.memory && size.ephemeralStorageGiB <= free.ephemeralStorageGiB;
}

function subtract(free: HostCapacity, size: TaskSize): HostCapacity {
  return {
    cpu: free.cpu - size.cpu,
    memory: free.memory - size.memory,
    ephemeralStorageGiB: free.ephemeralStorageGiB - size.ephemeralStorageGiB,
  };
}

function failure(req: PlacementRequest, hosts: readonly HostSnapshot[], free: Map<string, HostCapacity>): PlacementDecision {
  const reason = `RESOURCE:${req.capacityProviderName}`;
  const want = `${req.size.cpu} CPU units, ${req.size.memory} MiB memory and ${req.size.ephemeralStorageGiB} GiB ephemeral storage`;
  if (hosts.length === 0) {
    return { ok: false, reason, detail: `No hosts are registered, so no capacity is available for a task needing ${want}. Register a host by running an agent against this control plane.` };
  }
  const zones = req.availabilityZones?.length ? ` in ${req.availabilityZones.join(', ')}` : '';
  const best = [...free.values()].sort((a, b) => b.memory - a.memory)[0]!;
  return {
    ok: false,
    reason,
    detail: `No host${zones} has ${want} free (${hosts.length} host(s) registered; the most free memory on one host is ${Math.max(0, best.memory)} MiB with ${Math.max(0, best.cpu)} CPU units and ${Math.max(0, best.ephemeralStorageGiB)} GiB).`,
  };
}
