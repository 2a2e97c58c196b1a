/**
 * SQLite repositories for IAM roles, their inline policies and their attached managed policies,
 * and the migration that makes their tables.
 *
 * Role names are unique regardless of case, as in IAM: `name_key` (the lower-cased name, role
 * names being ASCII) carries the UNIQUE constraint and the list order, `name` keeps the casing the
 * role was created with. Roles are found by name (IAM's own calls) or by exact ARN (the control
 * plane checking a task definition's roles), both through an index. Children reference the role id,
 * which never changes, and a role with children cannot be deleted (the foreign keys back the
 * DeleteConflict rule the IAM layer checks first).
 */
import type { Tag } from '../../ecs/wire.js';
import { ConflictError, type Page, type RolePolicyRepo, type RoleRecord, type RoleRepo } from '../store.js';
import type { Migration } from './migrations.js';
import type { Statements } from './statements.js';

export const iamMigration: Migration = {
  id: 5,
  name: 'IAM roles, their inline policies and attached managed policies',
  sql: `
    CREATE TABLE iam_roles (
      role_id TEXT PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE, path TEXT NOT NULL,
      arn TEXT NOT NULL UNIQUE, assume_role_policy TEXT NOT NULL, description TEXT, max_session_duration INTEGER NOT NULL,
      tags TEXT NOT NULL, created_at INTEGER NOT NULL, last_used_at INTEGER, last_used_region TEXT);
    CREATE TABLE iam_role_policies (
      role_id TEXT NOT NULL REFERENCES iam_roles (role_id), name TEXT NOT NULL, document TEXT NOT NULL,
      PRIMARY KEY (role_id, name));
    CREATE TABLE iam_role_attachments (
      role_id TEXT NOT NULL REFERENCES iam_roles (role_id), policy_arn TEXT NOT NULL, PRIMARY KEY (role_id, policy_arn));
    CREATE INDEX iam_role_attachments_by_policy ON iam_role_attachments (policy_arn);
  `,
};

/** IAM's tables, children before parents, for reset. */
export const iamTables = ['iam_role_attachments', 'iam_role_policies', 'iam_roles'] as const;

const nameKey = (name: string): string => name.toLowerCase();

interface RoleRow {
  role_id: string; name: string; name_key: string; path: string; arn: string; assume_role_policy: string;
  description: string | null; max_session_duration: number; tags: string; created_at: number;
  last_used_at: number | null; last_used_region: string | null;
}

const roleFromRow = (r: RoleRow): RoleRecord => ({
  roleId: r.role_id, name: r.name, path: r.path, arn: r.arn, assumeRolePolicyDocument: r.assume_role_policy,
  ...(r.description !== null ? { description: r.description } : {}),
  maxSessionDuration: r.max_session_duration, tags: JSON.parse(r.tags) as Tag[], createdAt: r.created_at,
  ...(r.last_used_at !== null ? { lastUsed: { at: r.last_used_at, region: r.last_used_region ?? '' } } : {}),
});

export class SqliteRoleRepo implements RoleRepo {
  constructor(private readonly s: Statements) {}

  async getByName(name: string): Promise<RoleRecord | undefined> {
    const row = this.s.get('SELECT * FROM iam_roles WHERE name_key = ?').get(nameKey(name)) as RoleRow | undefined;
    return row && roleFromRow(row);
  }

  async getByArn(arn: string): Promise<RoleRecord | undefined> {
    const row = this.s.get('SELECT * FROM iam_roles WHERE arn = ?').get(arn) as RoleRow | undefined;
    return row && roleFromRow(row);
  }

  async list(opts: { pathPrefix?: string; afterName?: string; limit: number }): Promise<Page<RoleRecord>> {
    const rows = this.s.get(`SELECT * FROM iam_roles
      WHERE (@prefix IS NULL OR substr(path, 1, length(@prefix)) = @prefix) AND (@after IS NULL OR name_key > @after)
      ORDER BY name_key LIMIT @limit`).all({
      prefix: opts.pathPrefix ?? null, after: opts.afterName === undefined ? null : nameKey(opts.afterName), limit: opts.limit + 1,
    }) as RoleRow[];
    const items = rows.slice(0, opts.limit).map(roleFromRow);
    return rows.length > opts.limit ? { items, nextKey: items[items.length - 1]!.name } : { items };
  }

  async insert(r: RoleRecord): Promise<void> {
    const res = this.s.get(`INSERT INTO iam_roles (role_id, name, name_key, path, arn, assume_role_policy, description,
        max_session_duration, tags, created_at, last_used_at, last_used_region)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name_key) DO NOTHING`)
      .run(r.roleId, r.name, nameKey(r.name), r.path, r.arn, r.assumeRolePolicyDocument, r.description ?? null,
        r.maxSessionDuration, JSON.stringify(r.tags), r.createdAt, r.lastUsed?.at ?? null, r.lastUsed?.region ?? null);
    if (res.changes === 0) throw new ConflictError(`role ${r.name} exists`);
  }

  async update(r: RoleRecord): Promise<void> {
    this.s.get('UPDATE iam_roles SET assume_role_policy = ?, description = ?, max_session_duration = ? WHERE role_id = ?')
      .run(r.assumeRolePolicyDocument, r.description ?? null, r.maxSessionDuration, r.roleId);
  }

  async recordUse(roleId: string, at: number, region: string): Promise<void> {
    this.s.get('UPDATE iam_roles SET last_used_at = ?, last_used_region = ? WHERE role_id = ?').run(at, region, roleId);
  }

  async remove(roleId: string): Promise<void> {
    this.s.get('DELETE FROM iam_roles WHERE role_id = ?').run(roleId);
  }
}

export class SqliteRolePolicyRepo implements RolePolicyRepo {
  constructor(private readonly s: Statements) {}

  async putInline(roleId: string, name: string, document: string): Promise<void> {
    this.s.get(`INSERT INTO iam_role_policies (role_id, name, document) VALUES (?, ?, ?)
      ON CONFLICT (role_id, name) DO UPDATE SET document = excluded.document`).run(roleId, name, document);
  }

  async getInline(roleId: string, name: string): Promise<string | undefined> {
    return this.s.get('SELECT document FROM iam_role_policies WHERE role_id = ? AND name = ?').pluck().get(roleId, name) as string | undefined;
  }

  async listInline(roleId: string): Promise<{ name: string; document: string }[]> {
    return this.s.get('SELECT name, document FROM iam_role_policies WHERE role_id = ? ORDER BY name').all(roleId) as { name: string; document: string }[];
  }

  async removeInline(roleId: string, name: string): Promise<boolean> {
    return this.s.get('DELETE FROM iam_role_policies WHERE role_id = ? AND name = ?').run(roleId, name).changes > 0;
  }

  async attach(roleId: string, policyArn: string): Promise<void> {
    this.s.get('INSERT INTO iam_role_attachments (role_id, policy_arn) VALUES (?, ?) ON CONFLICT DO NOTHING').run(roleId, policyArn);
  }

  async detach(roleId: string, policyArn: string): Promise<boolean> {
    return this.s.get('DELETE FROM iam_role_attachments WHERE role_id = ? AND policy_arn = ?').run(roleId, policyArn).changes > 0;
  }

  async listAttached(roleId: string): Promise<string[]> {
    return this.s.get('SELECT policy_arn FROM iam_role_attachments WHERE role_id = ? ORDER BY policy_arn').pluck().all(roleId) as string[];
  }

  async attachmentCounts(): Promise<Map<string, number>> {
    const rows = this.s.get('SELECT policy_arn, COUNT(*) AS n FROM iam_role_attachments GROUP BY policy_arn').all() as { policy_arn: string; n: number }[];
    return new Map(rows.map((r) => [r.policy_arn, r.n]));
  }
}
