/**
 * The embedded metric store: better-sqlite3 on metrics.db in a directory of its own, WAL, calls
 * run synchronously on the caller's thread, each in one transaction.
 *
 * - `metrics`: one row per metric (namespace, name, canonical dimensions as JSON text) with when it
 *   last received a point; `metric_dims` indexes its dimensions for ListMetrics' filters.
 * - `metric_points`: one row per (metric, tier, bucket start, unit), keyed in that order, so a
 *   metric's range in a tier is one index range. Rows are merged in place by an upsert; the
 *   distribution blob is merged by a SQL function (`pier_merge_dist`) registered on the
 *   connection. An index on (tier, ts) lets the sweep delete by age without scanning.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeDistribution, encodeDistribution, mergeDistributions } from '../distribution.js';
import type { Aggregate } from '../aggregate.js';
import { TIERS, tiersFor } from '../resolution.js';
import {
  dimensionsKey, type Dimension, type MetricIdentity, type MetricListQuery, type MetricPage, type MetricStore, type PointInput, type StoredBucket,
} from '../metric-store.js';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS metric_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS metrics (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  dims TEXT NOT NULL,
  last_put INTEGER NOT NULL,
  UNIQUE (namespace, name, dims)
);
CREATE TABLE IF NOT EXISTS metric_dims (
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  metric_id INTEGER NOT NULL,
  PRIMARY KEY (name, value, metric_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS metric_dims_by_metric ON metric_dims (metric_id);
CREATE TABLE IF NOT EXISTS metric_points (
  metric_id INTEGER NOT NULL,
  tier INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  unit TEXT NOT NULL,
  count REAL NOT NULL,
  sum REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  dist BLOB,
  PRIMARY KEY (metric_id, tier, ts, unit)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS metric_points_by_age ON metric_points (tier, ts);
INSERT OR IGNORE INTO metric_meta (key, value) VALUES ('schema_version', ${SCHEMA_VERSION});
`;

interface PointRow { ts: number; unit: string; count: number; sum: number; min: number; max: number; dist: Buffer | null }
interface MetricRow { namespace: string; name: string; dims: string }

const toDims = (text: string): Dimension[] => (JSON.parse(text) as [string, string][]).map(([name, value]) => ({ name, value }));
const fromRow = (r: MetricRow): MetricIdentity => ({ namespace: r.namespace, metricName: r.name, dimensions: toDims(r.dims) });

export class SqliteMetricStore implements MetricStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly ids = new Map<string, number>();
  private readonly stmt: {
    findMetric: Database.Statement; insertMetric: Database.Statement; insertDim: Database.Statement; touch: Database.Statement;
    upsert: Database.Statement; read: Database.Statement; readUnit: Database.Statement; metricId: Database.Statement;
  };

  private constructor(dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.path = join(dir, 'metrics.db');
    this.db = new Database(this.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const version = this.db.prepare("SELECT value FROM metric_meta WHERE key = 'schema_version'").pluck().get() as number;
    if (version !== SCHEMA_VERSION) throw new Error(`metrics.db has schema version ${version}; this Pier knows ${SCHEMA_VERSION}`);
    this.db.function('pier_merge_dist', { deterministic: true }, (a: unknown, b: unknown) =>
      a instanceof Uint8Array && b instanceof Uint8Array ? encodeDistribution(mergeDistributions(decodeDistribution(a), decodeDistribution(b))) : null);
    this.stmt = {
      findMetric: this.db.prepare('SELECT id FROM metrics WHERE namespace = ? AND name = ? AND dims = ?').pluck(),
      metricId: this.db.prepare('SELECT id FROM metrics WHERE namespace = ? AND name = ? AND dims = ?').pluck(),
      insertMetric: this.db.prepare('INSERT INTO metrics (namespace, name, dims, last_put) VALUES (?, ?, ?, ?) RETURNING id').pluck(),
      insertDim: this.db.prepare('INSERT OR IGNORE INTO metric_dims (name, value, metric_id) VALUES (?, ?, ?)'),
      touch: this.db.prepare('UPDATE metrics SET last_put = max(last_put, ?) WHERE id = ?'),
      upsert: this.db.prepare(`INSERT INTO metric_points (metric_id, tier, ts, unit, count, sum, min, max, dist) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (metric_id, tier, ts, unit) DO UPDATE SET
          count = count + excluded.count, sum = sum + excluded.sum, min = min(min, excluded.min), max = max(max, excluded.max),
          dist = pier_merge_dist(dist, excluded.dist)`),
      read: this.db.prepare('SELECT ts, unit, count, sum, min, max, dist FROM metric_points WHERE metric_id = ? AND tier = ? AND ts >= ? AND ts < ? ORDER BY ts, unit'),
      readUnit: this.db.prepare('SELECT ts, unit, count, sum, min, max, dist FROM metric_points WHERE metric_id = ? AND tier = ? AND ts >= ? AND ts < ? AND unit = ? ORDER BY ts'),
    };
  }

  static open(o: { dir: string }): SqliteMetricStore {
    return new SqliteMetricStore(o.dir);
  }

  private idFor(m: MetricIdentity, receivedAtMs: number): number {
    const dims = dimensionsKey(m.dimensions);
    const key = `${m.namespace}\u0000${m.metricName}\u0000${dims}`;
    let id = this.ids.get(key) ?? (this.stmt.findMetric.get(m.namespace, m.metricName, dims) as number | undefined);
    if (id === undefined) {
      id = this.stmt.insertMetric.get(m.namespace, m.metricName, dims, receivedAtMs) as number;
      for (const d of m.dimensions) this.stmt.insertDim.run(d.name, d.value, id);
    }
    this.ids.set(key, id);
    return id;
  }

  async put(points: readonly PointInput[], receivedAtMs: number): Promise<void> {
    this.db.transaction(() => {
      const touched = new Set<number>();
      for (const p of points) {
        const id = this.idFor(p.metric, receivedAtMs);
        touched.add(id);
        const a = p.aggregate;
        const dist = a.dist ? encodeDistribution(a.dist) : null;
        for (const tier of tiersFor(p.storageResolution)) {
          const ms = tier.seconds * 1000;
          this.stmt.upsert.run(id, tier.seconds, Math.floor(p.timestampMs / ms) * ms, p.unit, a.count, a.sum, a.min, a.max, dist);
        }
      }
      for (const id of touched) this.stmt.touch.run(receivedAtMs, id);
    })();
  }

  async read(metric: MetricIdentity, tierSeconds: number, fromMs: number, toMs: number, unit?: string): Promise<StoredBucket[]> {
    const id = this.stmt.metricId.get(metric.namespace, metric.metricName, dimensionsKey(metric.dimensions)) as number | undefined;
    if (id === undefined) return [];
    const rows = (unit === undefined ? this.stmt.read.all(id, tierSeconds, fromMs, toMs) : this.stmt.readUnit.all(id, tierSeconds, fromMs, toMs, unit)) as PointRow[];
    return rows.map((r) => ({ startMs: r.ts, unit: r.unit, aggregate: aggregateOfRow(r) }));
  }

  async list(q: MetricListQuery): Promise<MetricPage> {
    const where = ['last_put >= ?'];
    const args: unknown[] = [q.activeSinceMs];
    if (q.namespace !== undefined) (where.push('namespace = ?'), args.push(q.namespace));
    if (q.metricName !== undefined) (where.push('name = ?'), args.push(q.metricName));
    for (const f of q.dimensions ?? []) {
      if (f.value === undefined) (where.push('EXISTS (SELECT 1 FROM metric_dims d WHERE d.metric_id = m.id AND d.name = ?)'), args.push(f.name));
      else (where.push('EXISTS (SELECT 1 FROM metric_dims d WHERE d.metric_id = m.id AND d.name = ? AND d.value = ?)'), args.push(f.name, f.value));
    }
    if (q.afterKey !== undefined) {
      const [ns, name, dims] = JSON.parse(q.afterKey) as [string, string, string];
      where.push('(namespace, name, dims) > (?, ?, ?)');
      args.push(ns, name, dims);
    }
    const rows = this.db.prepare(`SELECT namespace, name, dims FROM metrics m WHERE ${where.join(' AND ')} ORDER BY namespace, name, dims LIMIT ?`)
      .all(...args, q.limit + 1) as MetricRow[];
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { metrics: page.map(fromRow), ...(rows.length > q.limit && last ? { nextKey: JSON.stringify([last.namespace, last.name, last.dims]) } : {}) };
  }

  async sweep(nowMs: number, batch: number): Promise<number> {
    return this.db.transaction(() => {
      let deleted = 0;
      for (const tier of TIERS) {
        if (deleted >= batch) break;
        deleted += this.db.prepare(`DELETE FROM metric_points WHERE (metric_id, tier, ts, unit) IN
          (SELECT metric_id, tier, ts, unit FROM metric_points WHERE tier = ? AND ts < ? LIMIT ?)`).run(tier.seconds, nowMs - tier.retentionMs, batch - deleted).changes;
      }
      if (deleted < batch) {
        // Metrics whose every point has expired (the coarsest tier keeps them longest).
        const longest = TIERS[TIERS.length - 1]!.retentionMs;
        const gone = this.db.prepare(`SELECT id FROM metrics WHERE last_put < ? AND NOT EXISTS (SELECT 1 FROM metric_points p WHERE p.metric_id = metrics.id) LIMIT ?`)
          .pluck().all(nowMs - longest, batch - deleted) as number[];
        for (const id of gone) {
          this.db.prepare('DELETE FROM metric_dims WHERE metric_id = ?').run(id);
          this.db.prepare('DELETE FROM metrics WHERE id = ?').run(id);
        }
        if (gone.length > 0) this.ids.clear();
        deleted += gone.length;
      }
      return deleted;
    })();
  }

  async reset(): Promise<void> {
    this.db.exec('DELETE FROM metric_points; DELETE FROM metric_dims; DELETE FROM metrics;');
    this.ids.clear();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function aggregateOfRow(r: PointRow): Aggregate {
  return { count: r.count, sum: r.sum, min: r.min, max: r.max, dist: r.dist ? decodeDistribution(r.dist) : undefined };
}
