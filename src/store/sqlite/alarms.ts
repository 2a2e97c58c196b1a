/**
 * SQLite repository for CloudWatch metric alarms and their history, and the migration making
 * their tables. An alarm is one row: the columns its lists filter on (state, namespace and metric
 * name, every action ARN as a JSON array) and its configuration, state and the alarm controller's
 * bookkeeping as JSON. Alarms are versioned, since the API and the alarm controller both write them.
 *
 * Name prefixes and action prefixes compare with `substr`, not LIKE, so `%` and `_` in a name are
 * plain characters. History pages on its insertion sequence.
 */
import {
  ConflictError, type AlarmHistoryQuery, type AlarmHistoryRecord, type AlarmListQuery, type AlarmRepo, type MetricAlarmRecord, type Page,
} from '../store.js';
import type { Migration } from './migrations.js';
import type { Statements } from './statements.js';

export const alarmsMigration: Migration = {
  id: 10,
  name: 'CloudWatch metric alarms and alarm history',
  sql: `
    CREATE TABLE metric_alarms (
      name TEXT PRIMARY KEY, arn TEXT NOT NULL, namespace TEXT NOT NULL, metric_name TEXT NOT NULL, state_value TEXT NOT NULL,
      actions TEXT NOT NULL, config TEXT NOT NULL, state TEXT NOT NULL, tags TEXT NOT NULL, evaluation TEXT NOT NULL,
      created_at INTEGER NOT NULL, configuration_updated_at INTEGER NOT NULL, version INTEGER NOT NULL);
    CREATE INDEX metric_alarms_by_metric ON metric_alarms (namespace, metric_name, name);
    CREATE TABLE alarm_history (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, alarm_name TEXT NOT NULL, timestamp INTEGER NOT NULL, item_type TEXT NOT NULL,
      summary TEXT NOT NULL, data TEXT NOT NULL);
    CREATE INDEX alarm_history_by_alarm ON alarm_history (alarm_name, seq);
  `,
};

export const alarmTables = ['alarm_history', 'metric_alarms'] as const;

/** History items kept per alarm name. */
export const HISTORY_KEPT = 1000;

interface AlarmRow {
  name: string; arn: string; config: string; state: string; tags: string; evaluation: string;
  created_at: number; configuration_updated_at: number; version: number;
}
interface HistoryRow { seq: number; alarm_name: string; timestamp: number; item_type: string; summary: string; data: string }

const alarmFromRow = (r: AlarmRow): MetricAlarmRecord => ({
  name: r.name, arn: r.arn, config: JSON.parse(r.config) as MetricAlarmRecord['config'], state: JSON.parse(r.state) as MetricAlarmRecord['state'],
  tags: JSON.parse(r.tags) as MetricAlarmRecord['tags'], createdAt: r.created_at, configurationUpdatedAt: r.configuration_updated_at,
  evaluation: JSON.parse(r.evaluation) as MetricAlarmRecord['evaluation'], version: r.version,
});

const historyFromRow = (r: HistoryRow): AlarmHistoryRecord => ({
  alarmName: r.alarm_name, timestamp: r.timestamp, type: r.item_type as AlarmHistoryRecord['type'], summary: r.summary, data: r.data,
});

function page<R, T>(rows: R[], limit: number, map: (r: R) => T, key: (r: R) => string): Page<T> {
  const items = rows.slice(0, limit);
  return rows.length > limit ? { items: items.map(map), nextKey: key(items[items.length - 1]!) } : { items: items.map(map) };
}

export class SqliteAlarmRepo implements AlarmRepo {
  constructor(private readonly s: Statements) {}

  async get(name: string): Promise<MetricAlarmRecord | undefined> {
    const row = this.s.get('SELECT * FROM metric_alarms WHERE name = ?').get(name) as AlarmRow | undefined;
    return row && alarmFromRow(row);
  }

  async list(q: AlarmListQuery): Promise<Page<MetricAlarmRecord>> {
    const rows = this.s.get(`SELECT * FROM metric_alarms
      WHERE (@names IS NULL OR name IN (SELECT value FROM json_each(@names)))
        AND (@prefix IS NULL OR substr(name, 1, length(@prefix)) = @prefix)
        AND (@state IS NULL OR state_value = @state)
        AND (@ns IS NULL OR namespace = @ns) AND (@metric IS NULL OR metric_name = @metric)
        AND (@ap IS NULL OR EXISTS (SELECT 1 FROM json_each(actions) WHERE substr(value, 1, length(@ap)) = @ap))
        AND (@after IS NULL OR name > @after)
      ORDER BY name LIMIT @limit`).all({
      names: q.names ? JSON.stringify(q.names) : null, prefix: q.namePrefix ?? null, state: q.stateValue ?? null,
      ns: q.namespace ?? null, metric: q.metricName ?? null, ap: q.actionPrefix ?? null, after: q.afterName ?? null, limit: q.limit + 1,
    }) as AlarmRow[];
    return page(rows, q.limit, alarmFromRow, (r) => r.name);
  }

  async put(a: MetricAlarmRecord, expectVersion?: number): Promise<void> {
    const p = {
      name: a.name, arn: a.arn, ns: a.config.Namespace, metric: a.config.MetricName, state_value: a.state.value,
      actions: JSON.stringify([...a.config.OKActions, ...a.config.AlarmActions, ...a.config.InsufficientDataActions]),
      config: JSON.stringify(a.config), state: JSON.stringify(a.state), tags: JSON.stringify(a.tags), evaluation: JSON.stringify(a.evaluation),
      created: a.createdAt, updated: a.configurationUpdatedAt, version: a.version,
    };
    if (expectVersion === undefined) {
      const res = this.s.get(`INSERT INTO metric_alarms (name, arn, namespace, metric_name, state_value, actions, config, state, tags, evaluation,
          created_at, configuration_updated_at, version)
        VALUES (@name, @arn, @ns, @metric, @state_value, @actions, @config, @state, @tags, @evaluation, @created, @updated, @version)
        ON CONFLICT DO NOTHING`).run(p);
      if (res.changes === 0) throw new ConflictError(`alarm ${a.name} exists`);
      return;
    }
    const res = this.s.get(`UPDATE metric_alarms SET arn = @arn, namespace = @ns, metric_name = @metric, state_value = @state_value,
        actions = @actions, config = @config, state = @state, tags = @tags, evaluation = @evaluation, created_at = @created,
        configuration_updated_at = @updated, version = @version
      WHERE name = @name AND version = @expect`).run({ ...p, expect: expectVersion });
    if (res.changes === 0) throw new ConflictError(`alarm ${a.name} changed`);
  }

  async remove(names: readonly string[]): Promise<string[]> {
    return this.s.get('DELETE FROM metric_alarms WHERE name IN (SELECT value FROM json_each(?)) RETURNING name')
      .pluck().all(JSON.stringify(names)) as string[];
  }

  async addHistory(items: readonly AlarmHistoryRecord[]): Promise<void> {
    const insert = this.s.get('INSERT INTO alarm_history (alarm_name, timestamp, item_type, summary, data) VALUES (?, ?, ?, ?, ?)');
    for (const i of items) insert.run(i.alarmName, i.timestamp, i.type, i.summary, i.data);
    for (const name of new Set(items.map((i) => i.alarmName))) {
      this.s.get(`DELETE FROM alarm_history WHERE alarm_name = @name AND seq <= (
          SELECT seq FROM alarm_history WHERE alarm_name = @name ORDER BY seq DESC LIMIT 1 OFFSET @kept)`).run({ name, kept: HISTORY_KEPT });
    }
  }

  async history(q: AlarmHistoryQuery): Promise<Page<AlarmHistoryRecord>> {
    const order = q.ascending ? 'ASC' : 'DESC';
    const rows = this.s.get(`SELECT * FROM alarm_history
      WHERE (@name IS NULL OR alarm_name = @name) AND (@type IS NULL OR item_type = @type)
        AND (@from IS NULL OR timestamp >= @from) AND (@to IS NULL OR timestamp < @to)
        AND (@after IS NULL OR seq ${q.ascending ? '>' : '<'} @after)
      ORDER BY seq ${order} LIMIT @limit`).all({
      name: q.alarmName ?? null, type: q.type ?? null, from: q.fromMs ?? null, to: q.toMs ?? null,
      after: q.afterKey === undefined ? null : Number(q.afterKey), limit: q.limit + 1,
    }) as HistoryRow[];
    return page(rows, q.limit, historyFromRow, (r) => String(r.seq));
  }
}
