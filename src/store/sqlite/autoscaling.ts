/**
 * SQLite repository for Application Auto Scaling: scalable targets (versioned, since the API and
 * the autoscaling controller both write them), scaling policies, scheduled actions and scaling
 * activities, and the migration making their tables.
 *
 * Lists filter with `json_each` over the asked-for resource IDs or names and page on the row value
 * (resource ID, dimension[, name]); activities page on their insertion sequence, newest first.
 */
import {
  ConflictError, type AutoScalingListQuery, type AutoScalingRepo, type Page, type ScalableTargetRecord, type ScalingActivityRecord,
  type ScalingPolicyRecord, type ScheduledActionRecord,
} from '../store.js';
import type { Migration } from './migrations.js';
import type { Statements } from './statements.js';

export const autoScalingMigration: Migration = {
  id: 8,
  name: 'Application Auto Scaling: scalable targets, scaling policies, scheduled actions, scaling activities',
  sql: `
    CREATE TABLE autoscaling_targets (
      namespace TEXT NOT NULL, resource_id TEXT NOT NULL, dimension TEXT NOT NULL, arn TEXT NOT NULL,
      min_capacity INTEGER NOT NULL, max_capacity INTEGER NOT NULL, role_arn TEXT NOT NULL, suspended TEXT NOT NULL,
      scaling TEXT NOT NULL, created_at INTEGER NOT NULL, version INTEGER NOT NULL,
      PRIMARY KEY (namespace, resource_id, dimension));
    CREATE TABLE autoscaling_policies (
      namespace TEXT NOT NULL, resource_id TEXT NOT NULL, dimension TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL,
      policy_type TEXT NOT NULL, configuration TEXT NOT NULL, alarms TEXT NOT NULL, created_at INTEGER NOT NULL,
      PRIMARY KEY (namespace, resource_id, dimension, name));
    CREATE TABLE autoscaling_scheduled_actions (
      namespace TEXT NOT NULL, resource_id TEXT NOT NULL, dimension TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL,
      schedule TEXT NOT NULL, timezone TEXT, start_time INTEGER, end_time INTEGER, min_capacity INTEGER, max_capacity INTEGER,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_applied_at INTEGER,
      PRIMARY KEY (namespace, resource_id, dimension, name));
    CREATE TABLE autoscaling_activities (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, namespace TEXT NOT NULL, resource_id TEXT NOT NULL,
      dimension TEXT NOT NULL, description TEXT NOT NULL, cause TEXT NOT NULL, start_time INTEGER NOT NULL, end_time INTEGER,
      status_code TEXT NOT NULL, status_message TEXT);
    CREATE INDEX autoscaling_activities_by_target ON autoscaling_activities (namespace, resource_id, dimension, seq);
  `,
};

export const autoScalingTables = ['autoscaling_activities', 'autoscaling_scheduled_actions', 'autoscaling_policies', 'autoscaling_targets'] as const;

/** Activities kept per target. */
export const ACTIVITIES_KEPT = 1000;

interface TargetRow {
  namespace: string; resource_id: string; dimension: string; arn: string; min_capacity: number; max_capacity: number;
  role_arn: string; suspended: string; scaling: string; created_at: number; version: number;
}
interface PolicyRow {
  namespace: string; resource_id: string; dimension: string; name: string; arn: string; policy_type: string;
  configuration: string; alarms: string; created_at: number;
}
interface ActionRow {
  namespace: string; resource_id: string; dimension: string; name: string; arn: string; schedule: string; timezone: string | null;
  start_time: number | null; end_time: number | null; min_capacity: number | null; max_capacity: number | null;
  created_at: number; updated_at: number; last_applied_at: number | null;
}
interface ActivityRow {
  seq: number; id: string; namespace: string; resource_id: string; dimension: string; description: string; cause: string;
  start_time: number; end_time: number | null; status_code: string; status_message: string | null;
}

const targetFromRow = (r: TargetRow): ScalableTargetRecord => ({
  serviceNamespace: r.namespace, resourceId: r.resource_id, scalableDimension: r.dimension, arn: r.arn,
  minCapacity: r.min_capacity, maxCapacity: r.max_capacity, roleArn: r.role_arn,
  suspendedState: JSON.parse(r.suspended) as ScalableTargetRecord['suspendedState'],
  scaling: JSON.parse(r.scaling) as ScalableTargetRecord['scaling'], createdAt: r.created_at, version: r.version,
});

const policyFromRow = (r: PolicyRow): ScalingPolicyRecord => ({
  serviceNamespace: r.namespace, resourceId: r.resource_id, scalableDimension: r.dimension, name: r.name, arn: r.arn,
  policyType: r.policy_type, configuration: JSON.parse(r.configuration) as Record<string, unknown>,
  alarms: JSON.parse(r.alarms) as ScalingPolicyRecord['alarms'], createdAt: r.created_at,
});

const opt = <K extends string, V>(key: K, v: V | null): { [P in K]?: V } => (v === null ? {} : { [key]: v }) as { [P in K]?: V };

const actionFromRow = (r: ActionRow): ScheduledActionRecord => ({
  serviceNamespace: r.namespace, resourceId: r.resource_id, scalableDimension: r.dimension, name: r.name, arn: r.arn,
  schedule: r.schedule, ...opt('timezone', r.timezone), ...opt('startTime', r.start_time), ...opt('endTime', r.end_time),
  ...opt('minCapacity', r.min_capacity), ...opt('maxCapacity', r.max_capacity), createdAt: r.created_at, updatedAt: r.updated_at,
  ...opt('lastAppliedAt', r.last_applied_at),
});

const activityFromRow = (r: ActivityRow): ScalingActivityRecord => ({
  id: r.id, serviceNamespace: r.namespace, resourceId: r.resource_id, scalableDimension: r.dimension, description: r.description,
  cause: r.cause, startTime: r.start_time, ...opt('endTime', r.end_time), statusCode: r.status_code as ScalingActivityRecord['statusCode'],
  ...opt('statusMessage', r.status_message),
});

/** The filter every list shares, as named parameters. */
function filter(q: AutoScalingListQuery): Record<string, unknown> {
  return {
    ns: q.serviceNamespace, ids: q.resourceIds?.length ? JSON.stringify(q.resourceIds) : null, dim: q.scalableDimension ?? null,
    names: q.names?.length ? JSON.stringify(q.names) : null, limit: q.limit + 1,
  };
}

const WHERE = `namespace = @ns AND (@ids IS NULL OR resource_id IN (SELECT value FROM json_each(@ids)))
  AND (@dim IS NULL OR dimension = @dim)`;

function page<R, T>(rows: R[], limit: number, map: (r: R) => T, key: (r: R) => string): Page<T> {
  const items = rows.slice(0, limit);
  return rows.length > limit ? { items: items.map(map), nextKey: key(items[items.length - 1]!) } : { items: items.map(map) };
}

const afterOf = (k: string | undefined): string[] => (k === undefined ? [] : (JSON.parse(k) as string[]));

export class SqliteAutoScalingRepo implements AutoScalingRepo {
  constructor(private readonly s: Statements) {}

  async getTarget(ns: string, resourceId: string, dim: string): Promise<ScalableTargetRecord | undefined> {
    const row = this.s.get('SELECT * FROM autoscaling_targets WHERE namespace = ? AND resource_id = ? AND dimension = ?')
      .get(ns, resourceId, dim) as TargetRow | undefined;
    return row && targetFromRow(row);
  }

  async listTargets(q: AutoScalingListQuery): Promise<Page<ScalableTargetRecord>> {
    const [r, d] = afterOf(q.afterKey);
    const rows = this.s.get(`SELECT * FROM autoscaling_targets WHERE ${WHERE}
      AND (@ar IS NULL OR (resource_id, dimension) > (@ar, @ad)) ORDER BY resource_id, dimension LIMIT @limit`)
      .all({ ...filter(q), ar: r ?? null, ad: d ?? null }) as TargetRow[];
    return page(rows, q.limit, targetFromRow, (x) => JSON.stringify([x.resource_id, x.dimension]));
  }

  async putTarget(t: ScalableTargetRecord, expectVersion?: number): Promise<void> {
    const p = {
      ns: t.serviceNamespace, rid: t.resourceId, dim: t.scalableDimension, arn: t.arn, min: t.minCapacity, max: t.maxCapacity,
      role: t.roleArn, suspended: JSON.stringify(t.suspendedState), scaling: JSON.stringify(t.scaling), created: t.createdAt, version: t.version,
    };
    if (expectVersion === undefined) {
      const res = this.s.get(`INSERT INTO autoscaling_targets (namespace, resource_id, dimension, arn, min_capacity, max_capacity,
          role_arn, suspended, scaling, created_at, version)
        VALUES (@ns, @rid, @dim, @arn, @min, @max, @role, @suspended, @scaling, @created, @version) ON CONFLICT DO NOTHING`).run(p);
      if (res.changes === 0) throw new ConflictError(`scalable target ${t.resourceId} exists`);
      return;
    }
    const res = this.s.get(`UPDATE autoscaling_targets SET arn = @arn, min_capacity = @min, max_capacity = @max, role_arn = @role,
        suspended = @suspended, scaling = @scaling, created_at = @created, version = @version
      WHERE namespace = @ns AND resource_id = @rid AND dimension = @dim AND version = @expect`).run({ ...p, expect: expectVersion });
    if (res.changes === 0) throw new ConflictError(`scalable target ${t.resourceId} changed`);
  }

  async removeTarget(ns: string, resourceId: string, dim: string): Promise<boolean> {
    for (const table of ['autoscaling_policies', 'autoscaling_scheduled_actions']) {
      this.s.get(`DELETE FROM ${table} WHERE namespace = ? AND resource_id = ? AND dimension = ?`).run(ns, resourceId, dim);
    }
    return this.s.get('DELETE FROM autoscaling_targets WHERE namespace = ? AND resource_id = ? AND dimension = ?').run(ns, resourceId, dim).changes > 0;
  }

  async getPolicy(ns: string, resourceId: string, dim: string, name: string): Promise<ScalingPolicyRecord | undefined> {
    const row = this.s.get('SELECT * FROM autoscaling_policies WHERE namespace = ? AND resource_id = ? AND dimension = ? AND name = ?')
      .get(ns, resourceId, dim, name) as PolicyRow | undefined;
    return row && policyFromRow(row);
  }

  async listPolicies(q: AutoScalingListQuery): Promise<Page<ScalingPolicyRecord>> {
    return this.listNamed('autoscaling_policies', q, policyFromRow);
  }

  async putPolicy(p: ScalingPolicyRecord): Promise<void> {
    this.s.get(`INSERT INTO autoscaling_policies (namespace, resource_id, dimension, name, arn, policy_type, configuration, alarms, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (namespace, resource_id, dimension, name) DO UPDATE SET arn = excluded.arn,
      policy_type = excluded.policy_type, configuration = excluded.configuration, alarms = excluded.alarms, created_at = excluded.created_at`)
      .run(p.serviceNamespace, p.resourceId, p.scalableDimension, p.name, p.arn, p.policyType, JSON.stringify(p.configuration),
        JSON.stringify(p.alarms), p.createdAt);
  }

  async removePolicy(ns: string, resourceId: string, dim: string, name: string): Promise<boolean> {
    return this.s.get('DELETE FROM autoscaling_policies WHERE namespace = ? AND resource_id = ? AND dimension = ? AND name = ?')
      .run(ns, resourceId, dim, name).changes > 0;
  }

  async getScheduledAction(ns: string, resourceId: string, dim: string, name: string): Promise<ScheduledActionRecord | undefined> {
    const row = this.s.get('SELECT * FROM autoscaling_scheduled_actions WHERE namespace = ? AND resource_id = ? AND dimension = ? AND name = ?')
      .get(ns, resourceId, dim, name) as ActionRow | undefined;
    return row && actionFromRow(row);
  }

  async listScheduledActions(q: AutoScalingListQuery): Promise<Page<ScheduledActionRecord>> {
    return this.listNamed('autoscaling_scheduled_actions', q, actionFromRow);
  }

  async putScheduledAction(a: ScheduledActionRecord): Promise<void> {
    this.s.get(`INSERT INTO autoscaling_scheduled_actions (namespace, resource_id, dimension, name, arn, schedule, timezone, start_time,
        end_time, min_capacity, max_capacity, created_at, updated_at, last_applied_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (namespace, resource_id, dimension, name) DO UPDATE SET
      arn = excluded.arn, schedule = excluded.schedule, timezone = excluded.timezone, start_time = excluded.start_time,
      end_time = excluded.end_time, min_capacity = excluded.min_capacity, max_capacity = excluded.max_capacity,
      created_at = excluded.created_at, updated_at = excluded.updated_at, last_applied_at = excluded.last_applied_at`)
      .run(a.serviceNamespace, a.resourceId, a.scalableDimension, a.name, a.arn, a.schedule, a.timezone ?? null, a.startTime ?? null,
        a.endTime ?? null, a.minCapacity ?? null, a.maxCapacity ?? null, a.createdAt, a.updatedAt, a.lastAppliedAt ?? null);
  }

  async removeScheduledAction(ns: string, resourceId: string, dim: string, name: string): Promise<boolean> {
    return this.s.get('DELETE FROM autoscaling_scheduled_actions WHERE namespace = ? AND resource_id = ? AND dimension = ? AND name = ?')
      .run(ns, resourceId, dim, name).changes > 0;
  }

  async putActivity(a: ScalingActivityRecord): Promise<void> {
    this.s.get(`INSERT INTO autoscaling_activities (id, namespace, resource_id, dimension, description, cause, start_time, end_time,
        status_code, status_message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET description = excluded.description, cause = excluded.cause, start_time = excluded.start_time,
      end_time = excluded.end_time, status_code = excluded.status_code, status_message = excluded.status_message`)
      .run(a.id, a.serviceNamespace, a.resourceId, a.scalableDimension, a.description, a.cause, a.startTime, a.endTime ?? null,
        a.statusCode, a.statusMessage ?? null);
    this.s.get(`DELETE FROM autoscaling_activities WHERE namespace = @ns AND resource_id = @rid AND dimension = @dim AND seq <= (
        SELECT seq FROM autoscaling_activities WHERE namespace = @ns AND resource_id = @rid AND dimension = @dim
        ORDER BY seq DESC LIMIT 1 OFFSET @kept)`)
      .run({ ns: a.serviceNamespace, rid: a.resourceId, dim: a.scalableDimension, kept: ACTIVITIES_KEPT });
  }

  async listActivities(q: Omit<AutoScalingListQuery, 'names'>): Promise<Page<ScalingActivityRecord>> {
    const rows = this.s.get(`SELECT * FROM autoscaling_activities WHERE ${WHERE} AND (@after IS NULL OR seq < @after)
      ORDER BY seq DESC LIMIT @limit`).all({ ...filter(q), after: q.afterKey === undefined ? null : Number(q.afterKey) }) as ActivityRow[];
    return page(rows, q.limit, activityFromRow, (x) => String(x.seq));
  }

  private async listNamed<R extends { resource_id: string; dimension: string; name: string }, T>(
    table: string, q: AutoScalingListQuery, map: (r: R) => T,
  ): Promise<Page<T>> {
    const [r, d, n] = afterOf(q.afterKey);
    const rows = this.s.get(`SELECT * FROM ${table} WHERE ${WHERE}
      AND (@names IS NULL OR name IN (SELECT value FROM json_each(@names)))
      AND (@ar IS NULL OR (resource_id, dimension, name) > (@ar, @ad, @an)) ORDER BY resource_id, dimension, name LIMIT @limit`)
      .all({ ...filter(q), ar: r ?? null, ad: d ?? null, an: n ?? null }) as R[];
    return page(rows, q.limit, map, (x) => JSON.stringify([x.resource_id, x.dimension, x.name]));
  }
}
