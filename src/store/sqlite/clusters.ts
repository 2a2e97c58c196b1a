import { ConflictError, type ClusterRecord, type ClusterRepo, type Page } from '../store.js';
import type { Statements } from './statements.js';

interface Row { name: string; arn: string; status: string; body: string; created_at: number; version: number }

const fromRow = (r: Row): ClusterRecord => ({
  name: r.name, arn: r.arn, status: r.status, body: JSON.parse(r.body) as ClusterRecord['body'],
  createdAt: r.created_at, version: r.version,
});

export class SqliteClusterRepo implements ClusterRepo {
  constructor(private readonly s: Statements) {}

  async get(name: string): Promise<ClusterRecord | undefined> {
    const row = this.s.get('SELECT * FROM clusters WHERE name = ?').get(name) as Row | undefined;
    return row && fromRow(row);
  }

  async put(r: ClusterRecord, expectVersion?: number): Promise<void> {
    const body = JSON.stringify(r.body);
    if (expectVersion === undefined) {
      const res = this.s.get(`INSERT INTO clusters (name, arn, status, body, created_at, version) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (name) DO NOTHING`).run(r.name, r.arn, r.status, body, r.createdAt, r.version);
      if (res.changes === 0) throw new ConflictError(`cluster ${r.name} exists`);
      return;
    }
    const res = this.s.get('UPDATE clusters SET arn = ?, status = ?, body = ?, created_at = ?, version = ? WHERE name = ? AND version = ?')
      .run(r.arn, r.status, body, r.createdAt, r.version, r.name, expectVersion);
    if (res.changes === 0) throw new ConflictError(`cluster ${r.name} changed (expected version ${expectVersion})`);
  }

  async list(opts: { status?: string; afterName?: string; limit: number }): Promise<Page<ClusterRecord>> {
    const rows = this.s.get(`SELECT * FROM clusters WHERE (@status IS NULL OR status = @status)
      AND (@after IS NULL OR name > @after) ORDER BY name LIMIT @limit`)
      .all({ status: opts.status ?? null, after: opts.afterName ?? null, limit: opts.limit + 1 }) as Row[];
    const items = rows.slice(0, opts.limit).map(fromRow);
    return rows.length > opts.limit ? { items, nextKey: items[items.length - 1]!.name } : { items };
  }

  async taskCounts(name: string): Promise<{ running: number; pending: number }> {
    const row = this.s.get(`SELECT
        COALESCE(SUM(CASE WHEN last_status = 'RUNNING' THEN 1 ELSE 0 END), 0) AS running,
        COALESCE(SUM(CASE WHEN last_status IN ('PROVISIONING', 'PENDING', 'ACTIVATING') THEN 1 ELSE 0 END), 0) AS pending
      FROM tasks WHERE cluster = ? AND last_status <> 'STOPPED'`).get(name) as { running: number; pending: number };
    return row;
  }
}
