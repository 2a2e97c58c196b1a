/**
 * The usage ledger (migration 11): what each stopped task is charged for, kept after the task
 * itself is purged (`--stopped-task-retention-seconds`), so cost history outlives task records.
 *
 * Rows are written by triggers on `tasks`, in the same transaction as the write that stops a task.
 * Tasks stop on many paths (agent reports, StopTask before placement, lost hosts, service
 * deletes, Spot interruptions); a trigger is the one place none of them can forget, and the
 * ledger can never disagree with a task record that is still held. A stopped task's later
 * writes refresh its row. Tasks that never started pulling are not charged, so not kept.
 *
 * The row holds the facts metering prices (size, capacity provider, pull start, stop, the tags
 * the task had when it stopped), not money: a new price table reprices history, as it does for
 * tasks still held. One row per charged task, about 300 bytes; `pier reset` empties it.
 */
import type { TaskUsageRecord, TaskUsageRepo } from '../store.js';
import type { Migration } from './migrations.js';
import type { Statements } from './statements.js';

/** The ledger row of the task row `t` (NEW in a trigger, the table itself in the backfill). */
const rowOf = (t: string): string => `
  SELECT json_extract(${t}.doc, '$.taskArn'), ${t}.cluster, ${t}.family, ${t}.service_name,
    CASE json_extract(${t}.doc, '$.capacityProviderName') WHEN 'FARGATE_SPOT' THEN 'FARGATE_SPOT' ELSE 'FARGATE' END,
    ${t}.cpu, ${t}.memory, COALESCE(json_extract(${t}.doc, '$.ephemeralStorage.sizeInGiB'), ${t}.disk),
    CAST(ROUND(json_extract(${t}.doc, '$.pullStartedAt') * 1000) AS INTEGER), ${t}.stopped_at,
    (SELECT json_group_object(key, value) FROM tags WHERE resource_arn = json_extract(${t}.doc, '$.taskArn'))`;

const charged = (t: string): string => `${t}.stopped_at IS NOT NULL AND json_extract(${t}.doc, '$.pullStartedAt') IS NOT NULL`;

const INSERT = `INSERT OR REPLACE INTO task_usage (task_arn, cluster, family, service_name, capacity_provider, cpu, memory_mib,
  ephemeral_storage_gib, pull_started_at, stopped_at, tags)`;

export const taskUsageMigration: Migration = {
  id: 11,
  name: 'task usage ledger: stopped tasks\' metered facts, kept after the tasks are purged',
  sql: `
    CREATE TABLE task_usage (
      task_arn TEXT PRIMARY KEY, cluster TEXT NOT NULL, family TEXT NOT NULL, service_name TEXT,
      capacity_provider TEXT NOT NULL, cpu INTEGER NOT NULL, memory_mib INTEGER NOT NULL, ephemeral_storage_gib INTEGER NOT NULL,
      pull_started_at INTEGER NOT NULL, stopped_at INTEGER NOT NULL, tags TEXT NOT NULL);
    CREATE TRIGGER task_usage_on_insert AFTER INSERT ON tasks WHEN ${charged('NEW')}
    BEGIN ${INSERT} ${rowOf('NEW')}; END;
    CREATE TRIGGER task_usage_on_update AFTER UPDATE ON tasks WHEN ${charged('NEW')}
    BEGIN ${INSERT} ${rowOf('NEW')}; END;
    ${INSERT} ${rowOf('tasks')} FROM tasks WHERE ${charged('tasks')};
  `,
};

export const taskUsageTables = ['task_usage'] as const;

interface Row {
  task_arn: string; cluster: string; family: string; service_name: string | null; capacity_provider: string;
  cpu: number; memory_mib: number; ephemeral_storage_gib: number; pull_started_at: number; stopped_at: number; tags: string;
}

const fromRow = (r: Row): TaskUsageRecord => ({
  taskArn: r.task_arn, clusterName: r.cluster, family: r.family, ...(r.service_name === null ? {} : { serviceName: r.service_name }),
  capacityProvider: r.capacity_provider === 'FARGATE_SPOT' ? 'FARGATE_SPOT' : 'FARGATE',
  cpu: r.cpu, memoryMiB: r.memory_mib, ephemeralStorageGiB: r.ephemeral_storage_gib,
  pullStartedAtMs: r.pull_started_at, stoppedAtMs: r.stopped_at, tags: JSON.parse(r.tags) as Record<string, string>,
});

export class SqliteTaskUsageRepo implements TaskUsageRepo {
  constructor(private readonly s: Statements) {}

  async list(): Promise<TaskUsageRecord[]> {
    return (this.s.get('SELECT * FROM task_usage ORDER BY cluster, task_arn').all() as Row[]).map(fromRow);
  }
}
