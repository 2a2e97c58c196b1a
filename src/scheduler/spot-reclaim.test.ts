import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { HostSnapshot, PlacementRequest } from './placement.js';
import { planSpotReclaim, type SpotTask } from './spot-reclaim.js';

const small = { cpu: 256, memory: 512, ephemeralStorageGiB: 20 };
const big = { cpu: 1024, memory: 2048, ephemeralStorageGiB: 20 };
const want = (size = small, zones?: string[]): PlacementRequest => ({ size, capacityProviderName: 'FARGATE', ...(zones ? { availabilityZones: zones } : {}) });

/** A host of 1 vCPU / 2 GiB / 100 GiB holding `tasks`. */
function host(id: string, az: string, tasks: SpotTask[], otherUse = { cpu: 0, memory: 0, ephemeralStorageGiB: 0 }): HostSnapshot {
  const used = tasks.filter((t) => t.hostId === id).reduce((u, t) => ({
    cpu: u.cpu + t.size.cpu, memory: u.memory + t.size.memory, ephemeralStorageGiB: u.ephemeralStorageGiB + t.size.ephemeralStorageGiB,
  }), otherUse);
  return { id, availabilityZone: az, capacity: { cpu: 1024, memory: 2048, ephemeralStorageGiB: 100 }, used, taskCount: tasks.length };
}
const spot = (taskId: string, hostId: string, startedAtMs?: number, underNotice = false, size = small): SpotTask =>
  ({ taskId, hostId, size, underNotice, ...(startedAtMs === undefined ? {} : { startedAtMs }) });

describe('Spot reclaim', () => {
  test('a full host of Spot tasks gives up exactly as many as the on-demand task needs, youngest first', () => {
    const tasks = [spot('a', 'h1', 1000), spot('b', 'h1', 3000), spot('c', 'h1', 2000), spot('d', 'h1')];
    const plan = planSpotReclaim(want(), [host('h1', 'az-a', tasks)], tasks);
    assert.deepEqual(plan, { hostId: 'h1', availabilityZone: 'az-a', interrupt: ['d'] });
    const bigPlan = planSpotReclaim(want({ cpu: 512, memory: 1024, ephemeralStorageGiB: 20 }), [host('h1', 'az-a', tasks)], tasks);
    assert.deepEqual(bigPlan?.interrupt, ['d', 'b']);
  });

  test('room already coming from tasks under notice interrupts nobody else', () => {
    const tasks = [spot('a', 'h1', 1000), spot('b', 'h1', 2000, true), spot('c', 'h1', 3000), spot('d', 'h1', 4000)];
    assert.deepEqual(planSpotReclaim(want(), [host('h1', 'az-a', tasks)], tasks)?.interrupt, []);
    assert.deepEqual(planSpotReclaim(want({ cpu: 512, memory: 1024, ephemeralStorageGiB: 20 }), [host('h1', 'az-a', tasks)], tasks)?.interrupt, ['d']);
  });

  test('nothing when even every Spot task would not make room (on-demand work is never interrupted)', () => {
    const tasks = [spot('a', 'h1', 1000)];
    const h = host('h1', 'az-a', tasks, { cpu: 768, memory: 1536, ephemeralStorageGiB: 20 });
    assert.equal(planSpotReclaim(want(big), [h], tasks), undefined);
    assert.equal(planSpotReclaim(want(), [], []), undefined);
  });

  test('the host needing the fewest interruptions wins, then the one leaving the least room unused', () => {
    const tasks = [
      spot('a1', 'h1', 1), spot('a2', 'h1', 2), spot('a3', 'h1', 3), spot('a4', 'h1', 4),
      spot('b1', 'h2', 1, false, { cpu: 512, memory: 1024, ephemeralStorageGiB: 20 }), spot('b2', 'h2', 2, false, { cpu: 512, memory: 1024, ephemeralStorageGiB: 20 }),
    ];
    const hosts = [host('h1', 'az-a', tasks), host('h2', 'az-b', tasks)];
    assert.deepEqual(planSpotReclaim(want({ cpu: 512, memory: 1024, ephemeralStorageGiB: 20 }), hosts, tasks), { hostId: 'h2', availabilityZone: 'az-b', interrupt: ['b2'] });
    // One interruption either way: h1 frees exactly what is asked, h2 twice as much.
    assert.equal(planSpotReclaim(want(), hosts, tasks)?.hostId, 'h1');
  });

  test('only hosts in the task\'s zones are considered', () => {
    const tasks = [spot('a', 'h1', 1, false, big), spot('b', 'h2', 1, false, big)];
    const hosts = [host('h1', 'az-a', tasks), host('h2', 'az-b', tasks)];
    assert.deepEqual(planSpotReclaim(want(small, ['az-b']), hosts, tasks), { hostId: 'h2', availabilityZone: 'az-b', interrupt: ['b'] });
    assert.equal(planSpotReclaim(want(small, ['az-c']), hosts, tasks), undefined);
  });

  test('a task that frees nothing the request lacks is not interrupted', () => {
    const diskOnly = { cpu: 0, memory: 0, ephemeralStorageGiB: 20 };
    const tasks = [spot('young-disk', 'h1', 9, false, diskOnly), spot('old', 'h1', 1, false, big)];
    const h = host('h1', 'az-a', tasks);
    assert.deepEqual(planSpotReclaim(want(), [h], tasks)?.interrupt, ['old']);
  });

  test('property: a plan always makes room, interrupts only Spot tasks on its host, and none of them needlessly', () => {
    const sizeArb = fc.record({ cpu: fc.constantFrom(256, 512, 1024), memory: fc.constantFrom(512, 1024, 2048), ephemeralStorageGiB: fc.constantFrom(20, 30) });
    fc.assert(fc.property(
      fc.array(fc.record({ host: fc.constantFrom('h1', 'h2'), size: sizeArb, started: fc.option(fc.nat(100)), notice: fc.boolean() }), { maxLength: 8 }),
      sizeArb,
      (raw, size) => {
        const tasks = raw.map((r, i) => spot(`t${i}`, r.host, r.started ?? undefined, r.notice, r.size));
        const hosts = ['h1', 'h2'].map((id) => ({ ...host(id, `az-${id}`, tasks), capacity: { cpu: 4096, memory: 8192, ephemeralStorageGiB: 200 } }));
        const plan = planSpotReclaim(want(size), hosts, tasks);
        if (!plan) return;
        const h = hosts.find((x) => x.id === plan.hostId)!;
        const freed = tasks.filter((t) => t.hostId === h.id && (t.underNotice || plan.interrupt.includes(t.taskId)));
        const free = (k: 'cpu' | 'memory' | 'ephemeralStorageGiB', skip?: string): number =>
          h.capacity[k] - h.used[k] + freed.filter((t) => t.taskId !== skip).reduce((s, t) => s + t.size[k], 0);
        for (const k of ['cpu', 'memory', 'ephemeralStorageGiB'] as const) assert.ok(size[k] <= free(k), `room for ${k}`);
        for (const id of plan.interrupt) {
          const t = tasks.find((x) => x.taskId === id)!;
          assert.equal(t.hostId, h.id);
          assert.equal(t.underNotice, false);
        }
        // The last one interrupted was needed: without it the task would not fit.
        const last = plan.interrupt.at(-1);
        if (last) assert.ok((['cpu', 'memory', 'ephemeralStorageGiB'] as const).some((k) => size[k] > free(k, last)), 'the last interruption was needed');
      },
    ), { numRuns: 500 });
  });
});
