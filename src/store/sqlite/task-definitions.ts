import type { Page, TaskDefinitionFilter, TaskDefinitionRecord, TaskDefinitionRepo } from '../store.js';
import type { Statements } from './statements.js';

interface Row {
  family: string; revision: number; arn: string; status: string; body: string; size: string;
  registered_at: number; registered_by: string | null; deregistered_at: number | null; delete_requested_at: number | null;
}

const fromRow = (r: Row): TaskDefinitionRecord => ({
  family: r.family, revision: r.revision, arn: r.arn, status: r.status,
  body: JSON.parse(r.body) as Record<string, unknown>, size: JSON.parse(r.size) as TaskDefinitionRecord['size'],
  registeredAt: r.registered_at,
  ...(r.registered_by !== null ? { registeredBy: r.registered_by } : {}),
  ...(r.deregistered_at !== null ? { deregisteredAt: r.deregistered_at } : {}),
  ...(r.delete_requested_at !== null ? { deleteRequestedAt: r.delete_requested_at } : {}),
});

/** Page keys are "family:revision"; family names cannot contain ':'. Compared as a (family, revision) pair. */
const keyOf = (r: TaskDefinitionRecord): string => `${r.family}:${r.revision}`;

function afterParams(key: string | undefined): { afterFamily: string | null; afterRevision: number | null } {
  if (key === undefined) return { afterFamily: null, afterRevision: null };
  const colon = key.lastIndexOf(':');
  return { afterFamily: key.slice(0, colon), afterRevision: Number(key.slice(colon + 1)) };
}

export class SqliteTaskDefinitionRepo implements TaskDefinitionRepo {
  constructor(private readonly s: Statements) {}

  async nextRevision(family: string): Promise<number> {
    const row = this.s.get(`INSERT INTO task_definition_families (family, last_revision) VALUES (?, 1)
      ON CONFLICT (family) DO UPDATE SET last_revision = last_revision + 1 RETURNING last_revision`).get(family) as { last_revision: number };
    return row.last_revision;
  }

  async put(r: TaskDefinitionRecord): Promise<void> {
    this.s.get(`INSERT INTO task_definitions (family, revision, arn, status, body, size, registered_at, registered_by,
        deregistered_at, delete_requested_at) VALUES (@family, @revision, @arn, @status, @body, @size, @registeredAt,
        @registeredBy, @deregisteredAt, @deleteRequestedAt)
      ON CONFLICT (family, revision) DO UPDATE SET status = excluded.status, body = excluded.body,
        deregistered_at = excluded.deregistered_at, delete_requested_at = excluded.delete_requested_at`)
      .run({
        family: r.family, revision: r.revision, arn: r.arn, status: r.status, body: JSON.stringify(r.body),
        size: JSON.stringify(r.size), registeredAt: r.registeredAt, registeredBy: r.registeredBy ?? null,
        deregisteredAt: r.deregisteredAt ?? null, deleteRequestedAt: r.deleteRequestedAt ?? null,
      });
  }

  async get(family: string, revision: number): Promise<TaskDefinitionRecord | undefined> {
    const row = this.s.get('SELECT * FROM task_definitions WHERE family = ? AND revision = ?').get(family, revision) as Row | undefined;
    return row && fromRow(row);
  }

  async latestActive(family: string): Promise<TaskDefinitionRecord | undefined> {
    const row = this.s.get(`SELECT * FROM task_definitions WHERE family = ? AND status = 'ACTIVE'
      ORDER BY revision DESC LIMIT 1`).get(family) as Row | undefined;
    return row && fromRow(row);
  }

  async list(f: TaskDefinitionFilter): Promise<Page<TaskDefinitionRecord>> {
    const cmp = f.sort === 'ASC' ? '>' : '<';
    const rows = this.s.get(`SELECT * FROM task_definitions
      WHERE (@status IS NULL OR status = @status)
        AND (@family IS NULL OR family = @family)
        AND (@prefix IS NULL OR substr(family, 1, length(@prefix)) = @prefix)
        AND (@afterFamily IS NULL OR family ${cmp} @afterFamily OR (family = @afterFamily AND revision ${cmp} @afterRevision))
      ORDER BY family ${f.sort}, revision ${f.sort} LIMIT @limit`)
      .all({
        status: f.status ?? null, family: f.family ?? null, prefix: f.familyPrefix ?? null,
        ...afterParams(f.afterKey), limit: f.limit + 1,
      }) as Row[];
    const items = rows.slice(0, f.limit).map(fromRow);
    return rows.length > f.limit ? { items, nextKey: keyOf(items[items.length - 1]!) } : { items };
  }

  async listFamilies(opts: { familyPrefix?: string; status?: 'ACTIVE' | 'INACTIVE' | 'ALL'; afterFamily?: string; limit: number }): Promise<Page<string>> {
    // A family is ACTIVE when it has an ACTIVE revision, INACTIVE when it has revisions but none ACTIVE.
    const status = opts.status ?? 'ACTIVE';
    const rows = this.s.get(`SELECT family, MAX(status = 'ACTIVE') AS active FROM task_definitions
      WHERE (@prefix IS NULL OR substr(family, 1, length(@prefix)) = @prefix) AND (@after IS NULL OR family > @after)
      GROUP BY family
      HAVING @status = 'ALL' OR (@status = 'ACTIVE' AND active = 1) OR (@status = 'INACTIVE' AND active = 0)
      ORDER BY family LIMIT @limit`)
      .all({ prefix: opts.familyPrefix ?? null, after: opts.afterFamily ?? null, status, limit: opts.limit + 1 }) as { family: string }[];
    const items = rows.slice(0, opts.limit).map((r) => r.family);
    return rows.length > opts.limit ? { items, nextKey: items[items.length - 1]! } : { items };
  }

  async inUse(arn: string): Promise<boolean> {
    return this.s.get(`SELECT 1 FROM tasks WHERE task_definition_arn = ? AND last_status <> 'STOPPED' LIMIT 1`).get(arn) !== undefined;
  }

  async remove(family: string, revision: number): Promise<void> {
    this.s.get('DELETE FROM task_definitions WHERE family = ? AND revision = ?').run(family, revision);
  }
}
