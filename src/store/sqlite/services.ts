/**
 * SQLite repositories for ECS services (with their deployments, kept in the service's row so a
 * scale or deploy and the scheduler's bookkeeping move together under one version check), their
 * events (newest 100 per service) and task scale-in protection, and the migration making them.
 */
import {
  ConflictError, type Page, type ServiceEventRecord, type ServiceRecord, type ServiceRepo, type TaskProtectionRepo,
} from '../store.js';
import type { Migration } from './migrations.js';
import type { Statements } from './statements.js';

export const servicesMigration: Migration = {
  id: 6,
  name: 'ECS services, their deployments and events, task scale-in protection',
  sql: `
    CREATE TABLE services (
      cluster TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL, status TEXT NOT NULL, launch_type TEXT,
      body TEXT NOT NULL, deployments TEXT NOT NULL, scheduler TEXT NOT NULL, created_at INTEGER NOT NULL,
      version INTEGER NOT NULL, PRIMARY KEY (cluster, name));
    CREATE INDEX services_by_status ON services (status, cluster, name);
    CREATE TABLE service_events (
      cluster TEXT NOT NULL, service TEXT NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL,
      created_at INTEGER NOT NULL, message TEXT NOT NULL);
    CREATE INDEX service_events_by_service ON service_events (cluster, service, seq);
    CREATE TABLE task_protection (
      cluster TEXT NOT NULL, task_id TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (cluster, task_id));
    CREATE INDEX tasks_by_service ON tasks (cluster, service_name) WHERE service_name IS NOT NULL;
  `,
};

export const servicesTables = ['service_events', 'services', 'task_protection'] as const;

/** ECS keeps the newest 100 events of a service. */
const EVENTS_KEPT = 100;

interface Row {
  cluster: string; name: string; arn: string; status: string; body: string; deployments: string; scheduler: string;
  created_at: number; version: number;
}

const fromRow = (r: Row): ServiceRecord => ({
  clusterName: r.cluster, name: r.name, arn: r.arn, status: r.status as ServiceRecord['status'],
  body: JSON.parse(r.body) as ServiceRecord['body'], deployments: JSON.parse(r.deployments) as ServiceRecord['deployments'],
  scheduler: JSON.parse(r.scheduler) as ServiceRecord['scheduler'], createdAt: r.created_at, version: r.version,
});

function params(r: ServiceRecord): Record<string, unknown> {
  const launchType = typeof r.body.launchType === 'string' ? r.body.launchType : null;
  return {
    cluster: r.clusterName, name: r.name, arn: r.arn, status: r.status, launchType, body: JSON.stringify(r.body),
    deployments: JSON.stringify(r.deployments), scheduler: JSON.stringify(r.scheduler), createdAt: r.createdAt, version: r.version,
  };
}

export class SqliteServiceRepo implements ServiceRepo {
  constructor(private readonly s: Statements) {}

  async get(clusterName: string, name: string): Promise<ServiceRecord | undefined> {
    const row = this.s.get('SELECT * FROM services WHERE cluster = ? AND name = ?').get(clusterName, name) as Row | undefined;
    return row && fromRow(row);
  }

  async put(r: ServiceRecord, expectVersion?: number): Promise<void> {
    if (expectVersion === undefined) {
      const res = this.s.get(`INSERT INTO services (cluster, name, arn, status, launch_type, body, deployments, scheduler, created_at, version)
        VALUES (@cluster, @name, @arn, @status, @launchType, @body, @deployments, @scheduler, @createdAt, @version)
        ON CONFLICT (cluster, name) DO NOTHING`).run(params(r));
      if (res.changes === 0) throw new ConflictError(`service ${r.clusterName}/${r.name} exists`);
      return;
    }
    const res = this.s.get(`UPDATE services SET arn = @arn, status = @status, launch_type = @launchType, body = @body,
        deployments = @deployments, scheduler = @scheduler, created_at = @createdAt, version = @version
      WHERE cluster = @cluster AND name = @name AND version = @expect`).run({ ...params(r), expect: expectVersion });
    if (res.changes === 0) throw new ConflictError(`service ${r.clusterName}/${r.name} changed (expected version ${expectVersion})`);
  }

  async list(opts: { clusterName?: string; statuses?: readonly string[]; launchType?: string; afterName?: string; limit: number }): Promise<Page<ServiceRecord>> {
    const rows = this.s.get(`SELECT * FROM services WHERE (@cluster IS NULL OR cluster = @cluster)
        AND (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))
        AND (@launchType IS NULL OR launch_type = @launchType)
        AND (@afterName IS NULL OR cluster > @afterCluster OR (cluster = @afterCluster AND name > @afterName))
      ORDER BY cluster, name LIMIT @limit`).all({
      cluster: opts.clusterName ?? null, statuses: opts.statuses ? JSON.stringify(opts.statuses) : null,
      launchType: opts.launchType ?? null, ...afterKey(opts.clusterName, opts.afterName), limit: opts.limit + 1,
    }) as Row[];
    const items = rows.slice(0, opts.limit).map(fromRow);
    if (rows.length <= opts.limit) return { items };
    const last = items[items.length - 1]!;
    return { items, nextKey: opts.clusterName === undefined ? `${last.clusterName}/${last.name}` : last.name };
  }

  async countByStatus(clusterName: string): Promise<Record<string, number>> {
    const rows = this.s.get('SELECT status, COUNT(*) AS n FROM services WHERE cluster = ? GROUP BY status').all(clusterName) as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  async addEvents(clusterName: string, name: string, events: readonly ServiceEventRecord[]): Promise<void> {
    if (events.length === 0) return;
    const insert = this.s.get('INSERT INTO service_events (cluster, service, id, created_at, message) VALUES (?, ?, ?, ?, ?)');
    for (const e of events) insert.run(clusterName, name, e.id, e.createdAt, e.message);
    this.s.get(`DELETE FROM service_events WHERE cluster = @cluster AND service = @name AND seq <= (
        SELECT seq FROM service_events WHERE cluster = @cluster AND service = @name ORDER BY seq DESC LIMIT 1 OFFSET @kept)`)
      .run({ cluster: clusterName, name, kept: EVENTS_KEPT });
  }

  async events(clusterName: string, name: string, limit: number): Promise<ServiceEventRecord[]> {
    const rows = this.s.get(`SELECT id, created_at, message FROM service_events WHERE cluster = ? AND service = ?
      ORDER BY seq DESC LIMIT ?`).all(clusterName, name, limit) as { id: string; created_at: number; message: string }[];
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at, message: r.message }));
  }
}

/** Within one cluster the key is the name; across clusters it is "cluster/name" (cluster names have no "/"). */
function afterKey(clusterName: string | undefined, after: string | undefined): { afterCluster: string | null; afterName: string | null } {
  if (after === undefined) return { afterCluster: null, afterName: null };
  if (clusterName !== undefined) return { afterCluster: clusterName, afterName: after };
  const slash = after.indexOf('/');
  return { afterCluster: after.slice(0, slash), afterName: after.slice(slash + 1) };
}

export class SqliteTaskProtectionRepo implements TaskProtectionRepo {
  constructor(private readonly s: Statements) {}

  async get(clusterName: string, taskIds: readonly string[]): Promise<Map<string, number>> {
    if (taskIds.length === 0) return new Map();
    const rows = this.s.get(`SELECT task_id, expires_at FROM task_protection WHERE cluster = ?
      AND task_id IN (SELECT value FROM json_each(?))`).all(clusterName, JSON.stringify(taskIds)) as { task_id: string; expires_at: number }[];
    return new Map(rows.map((r) => [r.task_id, r.expires_at]));
  }

  async put(clusterName: string, taskId: string, expiresAt: number | undefined): Promise<void> {
    if (expiresAt === undefined) {
      this.s.get('DELETE FROM task_protection WHERE cluster = ? AND task_id = ?').run(clusterName, taskId);
      return;
    }
    this.s.get(`INSERT INTO task_protection (cluster, task_id, expires_at) VALUES (?, ?, ?)
      ON CONFLICT (cluster, task_id) DO UPDATE SET expires_at = excluded.expires_at`).run(clusterName, taskId, expiresAt);
  }
}
