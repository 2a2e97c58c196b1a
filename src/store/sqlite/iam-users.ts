/**
 * SQLite repositories for IAM users, their access keys and their policies, and the migration that
 * makes their tables. Like roles (iam.ts): `name_key` (the lower-cased name) is unique and orders
 * lists; children reference the user id, and a user with children cannot be deleted (the foreign
 * keys back the DeleteConflict rule the IAM layer checks first). The account's root keys stay in
 * `access_keys`; users' keys are here, so a reset removes them with their users.
 */
import type { Tag } from '../../ecs/wire.js';
import {
  ConflictError, type Page, type UserAccessKeyRecord, type UserAccessKeyRepo, type UserPolicyRepo, type UserRecord, type UserRepo,
} from '../store.js';
import type { Migration } from './migrations.js';
import type { Statements } from './statements.js';

export const iamUsersMigration: Migration = {
  id: 15,
  name: 'IAM users, their access keys, inline policies and attached managed policies',
  sql: `
    CREATE TABLE iam_users (
      user_id TEXT PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE, path TEXT NOT NULL,
      arn TEXT NOT NULL UNIQUE, tags TEXT NOT NULL, created_at INTEGER NOT NULL);
    CREATE TABLE iam_user_access_keys (
      access_key_id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES iam_users (user_id), secret TEXT NOT NULL,
      status TEXT NOT NULL, created_at INTEGER NOT NULL);
    CREATE INDEX iam_user_access_keys_by_user ON iam_user_access_keys (user_id);
    CREATE TABLE iam_user_policies (
      user_id TEXT NOT NULL REFERENCES iam_users (user_id), name TEXT NOT NULL, document TEXT NOT NULL,
      PRIMARY KEY (user_id, name));
    CREATE TABLE iam_user_attachments (
      user_id TEXT NOT NULL REFERENCES iam_users (user_id), policy_arn TEXT NOT NULL, PRIMARY KEY (user_id, policy_arn));
    CREATE INDEX iam_user_attachments_by_policy ON iam_user_attachments (policy_arn);
  `,
};

/** The users' tables, children before parents, for reset. */
export const iamUserTables = ['iam_user_attachments', 'iam_user_policies', 'iam_user_access_keys', 'iam_users'] as const;

const nameKey = (name: string): string => name.toLowerCase();

interface UserRow { user_id: string; name: string; path: string; arn: string; tags: string; created_at: number }

const userFromRow = (r: UserRow): UserRecord => ({
  userId: r.user_id, name: r.name, path: r.path, arn: r.arn, tags: JSON.parse(r.tags) as Tag[], createdAt: r.created_at,
});

export class SqliteUserRepo implements UserRepo {
  constructor(private readonly s: Statements) {}

  async getByName(name: string): Promise<UserRecord | undefined> {
    const row = this.s.get('SELECT * FROM iam_users WHERE name_key = ?').get(nameKey(name)) as UserRow | undefined;
    return row && userFromRow(row);
  }

  async getById(userId: string): Promise<UserRecord | undefined> {
    const row = this.s.get('SELECT * FROM iam_users WHERE user_id = ?').get(userId) as UserRow | undefined;
    return row && userFromRow(row);
  }

  async list(opts: { pathPrefix?: string; afterName?: string; limit: number }): Promise<Page<UserRecord>> {
    const rows = this.s.get(`SELECT * FROM iam_users
      WHERE (@prefix IS NULL OR substr(path, 1, length(@prefix)) = @prefix) AND (@after IS NULL OR name_key > @after)
      ORDER BY name_key LIMIT @limit`).all({
      prefix: opts.pathPrefix ?? null, after: opts.afterName === undefined ? null : nameKey(opts.afterName), limit: opts.limit + 1,
    }) as UserRow[];
    const items = rows.slice(0, opts.limit).map(userFromRow);
    return rows.length > opts.limit ? { items, nextKey: items[items.length - 1]!.name } : { items };
  }

  async insert(u: UserRecord): Promise<void> {
    const res = this.s.get(`INSERT INTO iam_users (user_id, name, name_key, path, arn, tags, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name_key) DO NOTHING`)
      .run(u.userId, u.name, nameKey(u.name), u.path, u.arn, JSON.stringify(u.tags), u.createdAt);
    if (res.changes === 0) throw new ConflictError(`user ${u.name} exists`);
  }

  async remove(userId: string): Promise<void> {
    this.s.get('DELETE FROM iam_users WHERE user_id = ?').run(userId);
  }
}

interface KeyRow { access_key_id: string; user_id: string; secret: string; status: string; created_at: number }

const keyFromRow = (r: KeyRow): UserAccessKeyRecord => ({
  accessKeyId: r.access_key_id, userId: r.user_id, secretAccessKey: r.secret, status: r.status as UserAccessKeyRecord['status'], createdAt: r.created_at,
});

export class SqliteUserAccessKeyRepo implements UserAccessKeyRepo {
  constructor(private readonly s: Statements) {}

  async get(accessKeyId: string): Promise<UserAccessKeyRecord | undefined> {
    const row = this.s.get('SELECT * FROM iam_user_access_keys WHERE access_key_id = ?').get(accessKeyId) as KeyRow | undefined;
    return row && keyFromRow(row);
  }

  async listByUser(userId: string): Promise<UserAccessKeyRecord[]> {
    return (this.s.get('SELECT * FROM iam_user_access_keys WHERE user_id = ? ORDER BY created_at, access_key_id').all(userId) as KeyRow[]).map(keyFromRow);
  }

  async listAll(): Promise<UserAccessKeyRecord[]> {
    return (this.s.get('SELECT * FROM iam_user_access_keys ORDER BY created_at, access_key_id').all() as KeyRow[]).map(keyFromRow);
  }

  async insert(k: UserAccessKeyRecord): Promise<void> {
    this.s.get('INSERT INTO iam_user_access_keys (access_key_id, user_id, secret, status, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(k.accessKeyId, k.userId, k.secretAccessKey, k.status, k.createdAt);
  }

  async setStatus(accessKeyId: string, status: UserAccessKeyRecord['status']): Promise<void> {
    this.s.get('UPDATE iam_user_access_keys SET status = ? WHERE access_key_id = ?').run(status, accessKeyId);
  }

  async remove(accessKeyId: string): Promise<void> {
    this.s.get('DELETE FROM iam_user_access_keys WHERE access_key_id = ?').run(accessKeyId);
  }
}

export class SqliteUserPolicyRepo implements UserPolicyRepo {
  constructor(private readonly s: Statements) {}

  async putInline(userId: string, name: string, document: string): Promise<void> {
    this.s.get(`INSERT INTO iam_user_policies (user_id, name, document) VALUES (?, ?, ?)
      ON CONFLICT (user_id, name) DO UPDATE SET document = excluded.document`).run(userId, name, document);
  }

  async getInline(userId: string, name: string): Promise<string | undefined> {
    return this.s.get('SELECT document FROM iam_user_policies WHERE user_id = ? AND name = ?').pluck().get(userId, name) as string | undefined;
  }

  async listInline(userId: string): Promise<{ name: string; document: string }[]> {
    return this.s.get('SELECT name, document FROM iam_user_policies WHERE user_id = ? ORDER BY name').all(userId) as { name: string; document: string }[];
  }

  async removeInline(userId: string, name: string): Promise<boolean> {
    return this.s.get('DELETE FROM iam_user_policies WHERE user_id = ? AND name = ?').run(userId, name).changes > 0;
  }

  async attach(userId: string, policyArn: string): Promise<void> {
    this.s.get('INSERT INTO iam_user_attachments (user_id, policy_arn) VALUES (?, ?) ON CONFLICT DO NOTHING').run(userId, policyArn);
  }

  async detach(userId: string, policyArn: string): Promise<boolean> {
    return this.s.get('DELETE FROM iam_user_attachments WHERE user_id = ? AND policy_arn = ?').run(userId, policyArn).changes > 0;
  }

  async listAttached(userId: string): Promise<string[]> {
    return this.s.get('SELECT policy_arn FROM iam_user_attachments WHERE user_id = ? ORDER BY policy_arn').pluck().all(userId) as string[];
  }

  async attachmentCounts(): Promise<Map<string, number>> {
    const rows = this.s.get('SELECT policy_arn, COUNT(*) AS n FROM iam_user_attachments GROUP BY policy_arn').all() as { policy_arn: string; n: number }[];
    return new Map(rows.map((r) => [r.policy_arn, r.n]));
  }
}
