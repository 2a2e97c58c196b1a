import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { placeTasks, type HostSnapshot, type PlacementRequest } from './placement.js';

const size = { cpu: 256, memory: 512, ephemeralStorageGiB: 20 };
const req = (n: number, s = size): PlacementRequest[] => Array.from({ length: n }, () => ({ size: s, capacityProviderName: 'FARGATE' }));
const host = (id: string, az: string, cpu = 1024, memory = 2048, disk = 100, used = { cpu: 0, memory: 0, ephemeralStorageGiB: 0 }, taskCount = 0): HostSnapshot =>
  ({ id, availabilityZone: az, capacity: { cpu, memory, ephemeralStorageGiB: disk }, used, taskCount });

describe('placement', () => {
  test('no hosts: every task fails with RESOURCE:<provider> and a detail naming the size', () => {
    const d = placeTasks([{ size, capacityProviderName: 'FARGATE_SPOT' }], []);
    assert.equal(d[0]!.ok, false);
    if (!d[0]!.ok) {
      assert.equal(d[0]!.reason, 'RESOURCE:FARGATE_SPOT');
      assert.match(d[0]!.detail, /256 CPU units, 512 MiB memory and 20 GiB/);
    }
  });

  test('fills exactly to capacity, then fails; each resource limits on its own', () => {
    const d = placeTasks(req(5), [host('h1', 'az-a', 1024, 4096)]);
    assert.deepEqual(d.map((x) => x.ok), [true, true, true, true, false]);
    const mem = placeTasks(req(3), [host('h1', 'az-a', 4096, 1024)]);
    assert.deepEqual(mem.map((x) => x.ok), [true, true, false]);
    const disk = placeTasks(req(3), [host('h1', 'az-a', 4096, 4096, 45)]);
    assert.deepEqual(disk.map((x) => x.ok), [true, true, false]);
  });

  test('accounts for what is already used on a host', () => {
    const d = placeTasks(req(2), [host('h1', 'az-a', 1024, 2048, 100, { cpu: 768, memory: 1536, ephemeralStorageGiB: 60 }, 3)]);
    assert.deepEqual(d.map((x) => x.ok), [true, false]);
  });

  test('spreads a batch across availability zones', () => {
    const d = placeTasks(req(6), [host('h1', 'az-a', 8192, 16384), host('h2', 'az-b', 8192, 16384), host('h3', 'az-c', 8192, 16384)]);
    const zones = d.map((x) => (x.ok ? x.availabilityZone : 'none'));
    for (const z of ['az-a', 'az-b', 'az-c']) assert.equal(zones.filter((x) => x === z).length, 2);
  });

  test('honours allowed zones', () => {
    const d = placeTasks([{ size, capacityProviderName: 'FARGATE', availabilityZones: ['az-b'] }], [host('h1', 'az-a'), host('h2', 'az-b')]);
    assert.ok(d[0]!.ok && d[0]!.hostId === 'h2');
    const none = placeTasks([{ size, capacityProviderName: 'FARGATE', availabilityZones: ['az-z'] }], [host('h1', 'az-a')]);
    assert.equal(none[0]!.ok, false);
  });

  test('property: never overcommits any host, and fails only when no host could fit the task', () => {
    const hostArb = fc.record({ cpu: fc.integer({ min: 0, max: 8192 }), memory: fc.integer({ min: 0, max: 16384 }), disk: fc.integer({ min: 0, max: 400 }), az: fc.constantFrom('a', 'b') });
    const sizeArb = fc.record({ cpu: fc.constantFrom(256, 512, 1024, 2048), memory: fc.constantFrom(512, 1024, 4096), ephemeralStorageGiB: fc.constantFrom(20, 50) });
    fc.assert(fc.property(fc.array(hostArb, { maxLength: 5 }), fc.array(sizeArb, { maxLength: 30 }), (hs, sizes) => {
      const hosts = hs.map((h, i) => host(`h${i}`, h.az, h.cpu, h.memory, h.disk));
      const decisions = placeTasks(sizes.map((s) => ({ size: s, capacityProviderName: 'FARGATE' })), hosts);
      const used = new Map(hosts.map((h) => [h.id, { cpu: 0, memory: 0, disk: 0 }]));
      decisions.forEach((d, i) => {
        const s = sizes[i]!;
        if (d.ok) {
          const u = used.get(d.hostId)!;
          u.cpu += s.cpu; u.memory += s.memory; u.disk += s.ephemeralStorageGiB;
        } else {
          const couldFit = hosts.some((h) => {
            const u = used.get(h.id)!;
            return h.capacity.cpu - u.cpu >= s.cpu && h.capacity.memory - u.memory >= s.memory && h.capacity.ephemeralStorageGiB - u.disk >= s.ephemeralStorageGiB;
          });
          assert.equal(couldFit, false);
        }
      });
      for (const h of hosts) {
        const u = used.get(h.id)!;
        assert.ok(u.cpu <= h.capacity.cpu && u.memory <= h.capacity.memory && u.disk <= h.capacity.ephemeralStorageGiB);
      }
    }));
  });
});
