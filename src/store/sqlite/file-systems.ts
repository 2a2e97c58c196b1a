import type { FileSystemRecord, FileSystemRepo, Page } from '../store.js';
import type { Statements } from './statements.js';

interface Row { id: string; creation_token: string; body: string; created_at: number }
const fromRow = (r: Row): FileSystemRecord => ({
  id: r.id, creationToken: r.creation_token, body: JSON.parse(r.body) as Record<string, unknown>, createdAt: r.created_at,
});

export class SqliteFileSystemRepo implements FileSystemRepo {
  constructor(private readonly s: Statements) {}
  async get(id: string): Promise<FileSystemRecord | undefined> {
    const row = this.s.get('SELECT * FROM file_systems WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }
  async getByCreationToken(token: string): Promise<FileSystemRecord | undefined> {
    const row = this.s.get('SELECT * FROM file_systems WHERE creation_token = ?').get(token) as Row | undefined;
    return row && fromRow(row);
  }
  async insert(r: FileSystemRecord): Promise<void> {
    this.s.get('INSERT INTO file_systems (id, creation_token, body, created_at) VALUES (?, ?, ?, ?)')
      .run(r.id, r.creationToken, JSON.stringify(r.body), r.createdAt);
  }
  async list(opts: { afterId?: string; limit: number }): Promise<Page<FileSystemRecord>> {
    const rows = this.s.get('SELECT * FROM file_systems WHERE (@after IS NULL OR id > @after) ORDER BY id LIMIT @limit')
      .all({ after: opts.afterId ?? null, limit: opts.limit + 1 }) as Row[];
    const items = rows.slice(0, opts.limit).map(fromRow);
    return rows.length > opts.limit ? { items, nextKey: items[items.length - 1]!.id } : { items };
  }
  async remove(id: string): Promise<void> {
    this.s.get('DELETE FROM file_systems WHERE id = ?').run(id);
  }
  async inUse(id: string): Promise<boolean> {
    return this.s.get(`SELECT 1 FROM tasks t JOIN task_definitions d ON d.arn = t.task_definition_arn,
        json_each(d.body, '$.volumes') v
      WHERE t.last_status <> 'STOPPED' AND json_extract(v.value, '$.efsVolumeConfiguration.fileSystemId') = ? LIMIT 1`)
      .get(id) !== undefined;
  }
}
