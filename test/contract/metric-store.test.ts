/**
 * The metric store's behaviour suite (src/metrics/metric-store.ts). Every implementation must pass
 * it; today SQLite, PostgreSQL next (add a factory). Covers: merging into buckets of each tier
 * (rollups at write), reading by tier, range and unit, atomic puts, listing with filters and
 * paging, retention sweeps per tier, reopening, reset.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { aggregateOfStatisticSet, aggregateOfValue, statisticOf } from '../../src/metrics/aggregate.js';
import { canonicalDimensions, type MetricIdentity, type MetricStore, type PointInput } from '../../src/metrics/metric-store.js';
import { TIERS } from '../../src/metrics/resolution.js';
import { SqliteMetricStore } from '../../src/metrics/sqlite/sqlite-metric-store.js';

interface Impl { name: string; open(): { store: MetricStore; reopen(): Promise<MetricStore>; cleanup(): void } }

const sqlite: Impl = {
  name: 'sqlite',
  open() {
    const dir = mkdtempSync(join(tmpdir(), 'pier-metricstore-'));
    let store: MetricStore = SqliteMetricStore.open({ dir });
    return {
      store,
      reopen: async () => {
        await store.close();
        store = SqliteMetricStore.open({ dir });
        return store;
      },
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

const T0 = Date.UTC(2026, 0, 1, 12);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const metric = (name: string, dims: Record<string, string> = {}, namespace = 'App'): MetricIdentity => ({
  namespace, metricName: name, dimensions: canonicalDimensions(Object.entries(dims).map(([n, v]) => ({ name: n, value: v }))),
});
const point = (m: MetricIdentity, timestampMs: number, v: number, extra: Partial<PointInput> = {}): PointInput => ({
  metric: m, timestampMs, unit: 'Count', storageResolution: 60, aggregate: aggregateOfValue(v), ...extra,
});
const sums = async (s: MetricStore, m: MetricIdentity, tier: number, from: number, to: number, unit?: string): Promise<[number, string, number, number][]> =>
  (await s.read(m, tier, from, to, unit)).map((b) => [b.startMs - T0, b.unit, statisticOf(b.aggregate, 'Sum')!, statisticOf(b.aggregate, 'SampleCount')!]);

for (const impl of [sqlite]) {
  describe(`metric store contract: ${impl.name}`, () => {
    const opened: ReturnType<Impl['open']>[] = [];
    const open = (): ReturnType<Impl['open']> => {
      const o = impl.open();
      opened.push(o);
      return o;
    };
    after(async () => {
      for (const o of opened) o.cleanup();
    });

    test('points merge into the bucket of each tier at or above their resolution', async () => {
      const { store } = open();
      const m = metric('Requests', { Service: 'web' });
      await store.put([point(m, T0 + 1_000, 1), point(m, T0 + 59_000, 2), point(m, T0 + 61_000, 4), point(m, T0 + 301_000, 8)], T0);
      await store.put([point(m, T0 + 30_000, 16, { storageResolution: 1 })], T0);
      assert.deepEqual(await sums(store, m, 60, T0, T0 + HOUR), [[0, 'Count', 19, 3], [60_000, 'Count', 4, 1], [300_000, 'Count', 8, 1]]);
      assert.deepEqual(await sums(store, m, 300, T0, T0 + HOUR), [[0, 'Count', 23, 4], [300_000, 'Count', 8, 1]]);
      assert.deepEqual(await sums(store, m, 3600, T0, T0 + HOUR), [[0, 'Count', 31, 5]]);
      assert.deepEqual(await sums(store, m, 1, T0, T0 + HOUR), [[30_000, 'Count', 16, 1]], 'only high-resolution points have 1 s buckets');
      const [b] = await store.read(m, 60, T0, T0 + 60_000);
      assert.deepEqual([b!.aggregate.min, b!.aggregate.max, statisticOf(b!.aggregate, 'p50')], [1, 16, 2]);
    });

    test('reads keep to the range [from, to), the unit asked for, and the exact dimensions', async () => {
      const { store } = open();
      const m = metric('Lat', { a: '1', b: '2' });
      await store.put([point(m, T0, 1), point(m, T0 + 60_000, 2, { unit: 'Seconds' }), point(m, T0 + 120_000, 4), point(metric('Lat', { a: '1' }), T0, 100)], T0);
      assert.deepEqual(await sums(store, m, 60, T0 + 60_000, T0 + 120_000), [[60_000, 'Seconds', 2, 1]]);
      assert.deepEqual(await sums(store, m, 60, T0, T0 + HOUR, 'Count'), [[0, 'Count', 1, 1], [120_000, 'Count', 4, 1]]);
      assert.deepEqual(await sums(store, metric('Lat', { b: '2', a: '1' }), 60, T0, T0 + 60_000), [[0, 'Count', 1, 1]], 'dimension order does not matter');
      assert.deepEqual(await sums(store, metric('Lat'), 60, T0, T0 + HOUR), [], 'no dimensions is another metric');
      assert.deepEqual(await sums(store, metric('Nope'), 60, T0, T0 + HOUR), []);
    });

    test('statistic sets keep their count and extremes; percentiles survive only where values are known', async () => {
      const { store } = open();
      const m = metric('Set');
      await store.put([{ ...point(m, T0, 0), aggregate: aggregateOfStatisticSet({ SampleCount: 3, Sum: 6, Minimum: 1, Maximum: 3 }) }], T0);
      await store.put([point(m, T0 + 1000, 10)], T0);
      const [b] = await store.read(m, 60, T0, T0 + 60_000);
      assert.deepEqual([b!.aggregate.count, b!.aggregate.sum, b!.aggregate.min, b!.aggregate.max, statisticOf(b!.aggregate, 'p50')], [4, 16, 1, 10, undefined]);
    });

    test('listing: filters by namespace, name and dimensions, activity, and pages in order', async () => {
      const { store } = open();
      const pts = [
        point(metric('CPU', { Cluster: 'a' }, 'AWS/ECS'), T0, 1), point(metric('CPU', { Cluster: 'a', Service: 's' }, 'AWS/ECS'), T0, 1),
        point(metric('CPU', { Cluster: 'b' }, 'AWS/ECS'), T0, 1), point(metric('Mem', { Cluster: 'a' }, 'AWS/ECS'), T0, 1), point(metric('X'), T0, 1),
      ];
      await store.put(pts.slice(0, 4), T0);
      await store.put(pts.slice(4), T0 + DAY);
      const names = async (q: Partial<Parameters<MetricStore['list']>[0]>): Promise<string[]> =>
        (await store.list({ activeSinceMs: 0, limit: 100, ...q })).metrics.map((x) => `${x.namespace}:${x.metricName}:${x.dimensions.map((d) => `${d.name}=${d.value}`).join(',')}`);
      // Byte order of namespace, name and the dimensions' key (uppercase before lowercase, ',' before ']').
      assert.deepEqual(await names({}), ['AWS/ECS:CPU:Cluster=a,Service=s', 'AWS/ECS:CPU:Cluster=a', 'AWS/ECS:CPU:Cluster=b', 'AWS/ECS:Mem:Cluster=a', 'App:X:']);
      assert.deepEqual(await names({ namespace: 'AWS/ECS', metricName: 'CPU', dimensions: [{ name: 'Cluster', value: 'a' }] }), ['AWS/ECS:CPU:Cluster=a,Service=s', 'AWS/ECS:CPU:Cluster=a']);
      assert.deepEqual(await names({ dimensions: [{ name: 'Service' }] }), ['AWS/ECS:CPU:Cluster=a,Service=s']);
      assert.deepEqual(await names({ dimensions: [{ name: 'Cluster', value: 'a' }, { name: 'Service', value: 's' }] }), ['AWS/ECS:CPU:Cluster=a,Service=s']);
      assert.deepEqual(await names({ activeSinceMs: T0 + 1 }), ['App:X:'], 'activity is the latest put');
      const seen: string[] = [];
      let afterKey: string | undefined;
      do {
        const page = await store.list({ activeSinceMs: 0, limit: 2, ...(afterKey ? { afterKey } : {}) });
        assert.ok(page.metrics.length <= 2);
        seen.push(...page.metrics.map((x) => x.metricName));
        afterKey = page.nextKey;
      } while (afterKey);
      assert.deepEqual(seen, ['CPU', 'CPU', 'CPU', 'Mem', 'X']);
    });

    test('the sweep deletes each tier past its retention in batches, then metrics with nothing left', async () => {
      const { store } = open();
      const m = metric('Old');
      const now = T0 + 500 * DAY;
      // High resolution: a 1 s bucket 4 h old has expired; its 1 min bucket has not.
      await store.put([point(m, now - 4 * HOUR, 1, { storageResolution: 1 }), point(m, now - 20 * DAY, 2), point(m, now - 100 * DAY, 4)], now - 4 * HOUR);
      const sweep = async (): Promise<number> => {
        let total = 0;
        for (let n = await store.sweep(now, 2); ; n = await store.sweep(now, 2)) {
          assert.ok(n <= 2, 'at most one batch a call');
          total += n;
          if (n < 2) return total;
        }
      };
      assert.equal(await sweep(), 4, 'the 1 s bucket, two 1 min buckets (20 and 100 days) and the 5 min one of 100 days');
      for (const t of TIERS) assert.deepEqual((await store.read(m, t.seconds, 0, now)).map((b) => now - b.startMs <= t.retentionMs), (await store.read(m, t.seconds, 0, now)).map(() => true));
      assert.deepEqual(await sums(store, m, 60, 0, now), [[now - 4 * HOUR - T0, 'Count', 1, 1]]);
      assert.deepEqual((await sums(store, m, 3600, 0, now)).map((x) => x[2]), [4, 2, 1]);
      assert.equal((await store.list({ activeSinceMs: 0, limit: 10 })).metrics.length, 1);
      assert.equal(await store.sweep(now + 456 * DAY, 100), 7, 'everything has expired: one 1 min, two 5 min and three 1 h buckets, and the metric');
      assert.equal((await store.list({ activeSinceMs: 0, limit: 10 })).metrics.length, 0);
    });

    test('data survives reopening; reset empties the store', async () => {
      const o = open();
      const m = metric('Keep');
      await o.store.put([point(m, T0, 5)], T0);
      const again = await o.reopen();
      assert.deepEqual(await sums(again, m, 60, T0, T0 + 60_000), [[0, 'Count', 5, 1]]);
      await again.put([point(m, T0, 1)], T0);
      assert.deepEqual(await sums(again, m, 60, T0, T0 + 60_000), [[0, 'Count', 6, 2]], 'a reopened store merges into the same metric');
      await again.reset();
      assert.deepEqual(await sums(again, m, 60, T0, T0 + 60_000), []);
      assert.equal((await again.list({ activeSinceMs: 0, limit: 10 })).metrics.length, 0);
      await again.close();
    });
  });
}
