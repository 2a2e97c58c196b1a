import type { Task } from '../../ecs/wire.js';
import { ConflictError, type HostUsage, type Page, type TaskFilter, type TaskRecord, type TaskRepo } from '../store.js';
import type { Migration } from './migrations.js';
import type { Statements } from './statements.js';

export const stopNoticeMigration: Migration = {
  id: 9,
  name: 'tasks: a stop held back until a time (Fargate Spot interruption notices)',
  sql: 'ALTER TABLE tasks ADD COLUMN stop_not_before INTEGER;',
};

interface Row {
  cluster: string; id: string; host_id: string | null; family: string; started_by: string | null;
  service_name: string | null; size: string; network: string | null; doc: string; stop_not_before: number | null;
}

const fromRow = (r: Row): TaskRecord => ({
  id: r.id, clusterName: r.cluster, hostId: r.host_id ?? undefined, family: r.family,
  startedBy: r.started_by ?? undefined, serviceName: r.service_name ?? undefined,
  size: JSON.parse(r.size) as TaskRecord['size'],
  networkConfiguration: r.network === null ? undefined : JSON.parse(r.network) as Record<string, unknown>,
  task: JSON.parse(r.doc) as Task,
  ...(r.stop_not_before === null ? {} : { stopNotBeforeMs: r.stop_not_before }),
});

const COLUMNS = 'cluster, id, host_id, family, started_by, service_name, size, network, doc, stop_not_before';

function params(r: TaskRecord): Record<string, unknown> {
  return {
    cluster: r.clusterName, id: r.id, hostId: r.hostId ?? null, family: r.family, startedBy: r.startedBy ?? null,
    serviceName: r.serviceName ?? null, desired: r.task.desiredStatus, last: r.task.lastStatus,
    launchType: r.task.launchType, taskDefinitionArn: r.task.taskDefinitionArn, size: JSON.stringify(r.size),
    network: r.networkConfiguration === undefined ? null : JSON.stringify(r.networkConfiguration),
    doc: JSON.stringify(r.task), version: r.task.version, createdAt: Math.round(r.task.createdAt * 1000),
    stoppedAt: r.task.stoppedAt === undefined ? null : Math.round(r.task.stoppedAt * 1000),
    cpu: r.size.cpu, memory: r.size.memory, disk: r.size.ephemeralStorageGiB, stopNotBefore: r.stopNotBeforeMs ?? null,
  };
}

export class SqliteTaskRepo implements TaskRepo {
  constructor(private readonly s: Statements) {}

  async insert(r: TaskRecord): Promise<void> {
    this.s.get(`INSERT INTO tasks (cluster, id, host_id, family, started_by, service_name, desired_status, last_status,
        launch_type, task_definition_arn, size, network, doc, version, created_at, stopped_at, cpu, memory, disk, stop_not_before)
      VALUES (@cluster, @id, @hostId, @family, @startedBy, @serviceName, @desired, @last, @launchType,
        @taskDefinitionArn, @size, @network, @doc, @version, @createdAt, @stoppedAt, @cpu, @memory, @disk, @stopNotBefore)`).run(params(r));
  }

  async get(clusterName: string, id: string): Promise<TaskRecord | undefined> {
    const row = this.s.get(`SELECT ${COLUMNS} FROM tasks WHERE cluster = ? AND id = ?`).get(clusterName, id) as Row | undefined;
    return row && fromRow(row);
  }

  async getMany(clusterName: string, ids: readonly string[]): Promise<TaskRecord[]> {
    if (ids.length === 0) return [];
    const rows = this.s.get(`SELECT ${COLUMNS} FROM tasks WHERE cluster = ? AND id IN (SELECT value FROM json_each(?))`)
      .all(clusterName, JSON.stringify(ids)) as Row[];
    return rows.map(fromRow);
  }

  async docsInActiveCluster(clusterName: string, ids: readonly string[]): Promise<Map<string, string> | undefined> {
    // One statement, so one implicit read transaction: the cluster's status and its tasks agree.
    // The cluster row always comes back (task columns NULL when no task matched); none: no cluster.
    const rows = (ids.length === 1
      ? this.s.get(`SELECT c.status, t.id, t.doc FROM clusters c LEFT JOIN tasks t ON t.cluster = c.name AND t.id = ?
          WHERE c.name = ?`).raw().all(ids[0], clusterName)
      : this.s.get(`SELECT c.status, t.id, t.doc FROM clusters c LEFT JOIN tasks t ON t.cluster = c.name
          AND t.id IN (SELECT value FROM json_each(?)) WHERE c.name = ?`).raw().all(JSON.stringify(ids), clusterName)
    ) as [status: string, id: string | null, doc: string | null][];
    if (rows.length === 0 || rows[0]![0] !== 'ACTIVE') return undefined;
    const docs = new Map<string, string>();
    for (const [, id, doc] of rows) if (id !== null) docs.set(id, doc!);
    return docs;
  }

  async update(r: TaskRecord, expectVersion: number): Promise<void> {
    const res = this.s.get(`UPDATE tasks SET host_id = @hostId, desired_status = @desired, last_status = @last,
        doc = @doc, version = @version, stopped_at = @stoppedAt, stop_not_before = @stopNotBefore
      WHERE cluster = @cluster AND id = @id AND version = @expect`).run({ ...params(r), expect: expectVersion });
    if (res.changes === 0) throw new ConflictError(`task ${r.id} changed (expected version ${expectVersion})`);
  }

  async list(f: TaskFilter): Promise<Page<TaskRecord>> {
    const rows = this.s.get(`SELECT ${COLUMNS} FROM tasks WHERE cluster = @cluster
        AND (@desired IS NULL OR desired_status = @desired)
        AND (@family IS NULL OR family = @family)
        AND (@startedBy IS NULL OR started_by = @startedBy)
        AND (@serviceName IS NULL OR service_name = @serviceName)
        AND (@hostId IS NULL OR host_id = @hostId)
        AND (@launchType IS NULL OR launch_type = @launchType)
        AND (@after IS NULL OR id > @after)
      ORDER BY id LIMIT @limit`).all({
      cluster: f.clusterName, desired: f.desiredStatus ?? null, family: f.family ?? null, startedBy: f.startedBy ?? null,
      serviceName: f.serviceName ?? null, hostId: f.hostId ?? null, launchType: f.launchType ?? null,
      after: f.afterId ?? null, limit: f.limit + 1,
    }) as Row[];
    const items = rows.slice(0, f.limit).map(fromRow);
    return rows.length > f.limit ? { items, nextKey: items[items.length - 1]!.id } : { items };
  }

  async onHost(hostId: string): Promise<TaskRecord[]> {
    const rows = this.s.get(`SELECT ${COLUMNS} FROM tasks WHERE host_id = ? AND last_status <> 'STOPPED' ORDER BY created_at, id`)
      .all(hostId) as Row[];
    return rows.map(fromRow);
  }

  async hostUsage(): Promise<HostUsage[]> {
    // Answered from the covering partial index tasks_live_usage, without reading task documents.
    const rows = this.s.get(`SELECT host_id, SUM(cpu) AS cpu, SUM(memory) AS memory, SUM(disk) AS disk, COUNT(*) AS n
      FROM tasks INDEXED BY tasks_live_usage WHERE host_id IS NOT NULL AND last_status <> 'STOPPED' GROUP BY host_id`)
      .all() as { host_id: string; cpu: number; memory: number; disk: number; n: number }[];
    return rows.map((r) => ({ hostId: r.host_id, used: { cpu: r.cpu, memory: r.memory, ephemeralStorageGiB: r.disk }, taskCount: r.n }));
  }

  async purgeStopped(beforeMs: number): Promise<number> {
    const doomed = this.s.get(`SELECT cluster, id FROM tasks WHERE stopped_at IS NOT NULL AND stopped_at < ?`).all(beforeMs) as { cluster: string; id: string }[];
    for (const d of doomed) this.s.get('DELETE FROM tasks WHERE cluster = ? AND id = ?').run(d.cluster, d.id);
    return doomed.length;
  }

  async countActive(clusterName: string): Promise<number> {
    return this.s.get(`SELECT COUNT(*) FROM tasks WHERE cluster = ? AND last_status <> 'STOPPED'`).pluck().get(clusterName) as number;
  }
}
