/**
 * SQLite repositories for Secrets Manager secrets and SSM parameters, and the migration making
 * their tables. Values are stored sealed (see src/store/secret-records.ts). A secret's versions
 * and a parameter's versions go with it (ON DELETE CASCADE).
 */
import type {
  KeyValueTag, ParameterRepo, ParameterVersionRecord, SecretRecord, SecretRepo, SecretVersionRecord,
} from '../secret-records.js';
import type { Migration } from './migrations.js';
import type { Statements } from './statements.js';

export const secretsMigration: Migration = {
  id: 12,
  name: 'Secrets Manager secrets and versions, SSM parameters and versions (values sealed)',
  sql: `
    CREATE TABLE secrets (
      arn TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT, kms_key_id TEXT, tags TEXT NOT NULL,
      created_at INTEGER NOT NULL, last_changed_at INTEGER NOT NULL, last_accessed_at INTEGER,
      deleted_at INTEGER, deletion_date INTEGER);
    CREATE INDEX secrets_by_deletion ON secrets (deletion_date) WHERE deletion_date IS NOT NULL;
    CREATE TABLE secret_versions (
      secret_arn TEXT NOT NULL REFERENCES secrets (arn) ON DELETE CASCADE, version_id TEXT NOT NULL,
      stages TEXT NOT NULL, kind TEXT NOT NULL, sealed TEXT NOT NULL, created_at INTEGER NOT NULL,
      PRIMARY KEY (secret_arn, version_id));
    CREATE TABLE ssm_parameters (name TEXT PRIMARY KEY, version INTEGER NOT NULL, tags TEXT NOT NULL);
    CREATE TABLE ssm_parameter_versions (
      name TEXT NOT NULL REFERENCES ssm_parameters (name) ON DELETE CASCADE, version INTEGER NOT NULL,
      type TEXT NOT NULL, value TEXT NOT NULL, key_id TEXT, description TEXT, allowed_pattern TEXT, tier TEXT NOT NULL,
      data_type TEXT NOT NULL, modified_at INTEGER NOT NULL, modified_by TEXT NOT NULL, PRIMARY KEY (name, version));
  `,
};

/** Children before parents, for reset. */
export const secretTables = ['secret_versions', 'secrets', 'ssm_parameter_versions', 'ssm_parameters'] as const;

interface SecretRow {
  arn: string; name: string; description: string | null; kms_key_id: string | null; tags: string; created_at: number;
  last_changed_at: number; last_accessed_at: number | null; deleted_at: number | null; deletion_date: number | null;
}

const secretFromRow = (r: SecretRow): SecretRecord => ({
  arn: r.arn, name: r.name, tags: JSON.parse(r.tags) as KeyValueTag[], createdAt: r.created_at, lastChangedAt: r.last_changed_at,
  ...(r.description !== null ? { description: r.description } : {}),
  ...(r.kms_key_id !== null ? { kmsKeyId: r.kms_key_id } : {}),
  ...(r.last_accessed_at !== null ? { lastAccessedAt: r.last_accessed_at } : {}),
  ...(r.deleted_at !== null ? { deletedAt: r.deleted_at } : {}),
  ...(r.deletion_date !== null ? { deletionDate: r.deletion_date } : {}),
});

const secretParams = (r: SecretRecord) => ({
  arn: r.arn, name: r.name, description: r.description ?? null, kms: r.kmsKeyId ?? null, tags: JSON.stringify(r.tags),
  created: r.createdAt, changed: r.lastChangedAt, accessed: r.lastAccessedAt ?? null, deleted: r.deletedAt ?? null,
  deletion: r.deletionDate ?? null,
});

interface VersionRow { secret_arn: string; version_id: string; stages: string; kind: string; sealed: string; created_at: number }

const versionFromRow = (r: VersionRow): SecretVersionRecord => ({
  secretArn: r.secret_arn, versionId: r.version_id, stages: JSON.parse(r.stages) as string[],
  kind: r.kind === 'binary' ? 'binary' : 'string', sealed: r.sealed, createdAt: r.created_at,
});

export class SqliteSecretRepo implements SecretRepo {
  constructor(private readonly s: Statements) {}

  async get(arn: string): Promise<SecretRecord | undefined> {
    const row = this.s.get('SELECT * FROM secrets WHERE arn = ?').get(arn) as SecretRow | undefined;
    return row && secretFromRow(row);
  }

  async getByName(name: string): Promise<SecretRecord | undefined> {
    const row = this.s.get('SELECT * FROM secrets WHERE name = ?').get(name) as SecretRow | undefined;
    return row && secretFromRow(row);
  }

  async listByArnPrefix(prefix: string): Promise<SecretRecord[]> {
    return (this.s.get('SELECT * FROM secrets WHERE substr(arn, 1, length(@p)) = @p').all({ p: prefix }) as SecretRow[]).map(secretFromRow);
  }

  async list(): Promise<SecretRecord[]> {
    return (this.s.get('SELECT * FROM secrets ORDER BY created_at, name').all() as SecretRow[]).map(secretFromRow);
  }

  async insert(r: SecretRecord): Promise<void> {
    this.s.get(`INSERT INTO secrets (arn, name, description, kms_key_id, tags, created_at, last_changed_at, last_accessed_at,
        deleted_at, deletion_date)
      VALUES (@arn, @name, @description, @kms, @tags, @created, @changed, @accessed, @deleted, @deletion)`).run(secretParams(r));
  }

  async update(r: SecretRecord): Promise<void> {
    this.s.get(`UPDATE secrets SET description = @description, kms_key_id = @kms, tags = @tags, last_changed_at = @changed,
        last_accessed_at = @accessed, deleted_at = @deleted, deletion_date = @deletion WHERE arn = @arn`).run(secretParams(r));
  }

  async remove(arn: string): Promise<void> {
    this.s.get('DELETE FROM secrets WHERE arn = ?').run(arn);
  }

  async purgeExpired(now: number): Promise<number> {
    return this.s.get('DELETE FROM secrets WHERE deletion_date IS NOT NULL AND deletion_date <= ?').run(now).changes;
  }

  async versions(arn: string): Promise<SecretVersionRecord[]> {
    return (this.s.get('SELECT * FROM secret_versions WHERE secret_arn = ? ORDER BY created_at, rowid').all(arn) as VersionRow[]).map(versionFromRow);
  }

  async insertVersion(v: SecretVersionRecord): Promise<void> {
    this.s.get('INSERT INTO secret_versions (secret_arn, version_id, stages, kind, sealed, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(v.secretArn, v.versionId, JSON.stringify(v.stages), v.kind, v.sealed, v.createdAt);
  }

  async setStages(arn: string, versionId: string, stages: readonly string[]): Promise<void> {
    this.s.get('UPDATE secret_versions SET stages = ? WHERE secret_arn = ? AND version_id = ?').run(JSON.stringify(stages), arn, versionId);
  }

  async removeVersion(arn: string, versionId: string): Promise<void> {
    this.s.get('DELETE FROM secret_versions WHERE secret_arn = ? AND version_id = ?').run(arn, versionId);
  }
}

interface ParameterRow {
  name: string; version: number; type: string; value: string; key_id: string | null; description: string | null;
  allowed_pattern: string | null; tier: string; data_type: string; modified_at: number; modified_by: string;
}

const parameterFromRow = (r: ParameterRow): ParameterVersionRecord => ({
  name: r.name, version: r.version, type: r.type as ParameterVersionRecord['type'], value: r.value,
  ...(r.key_id !== null ? { keyId: r.key_id } : {}),
  ...(r.description !== null ? { description: r.description } : {}),
  ...(r.allowed_pattern !== null ? { allowedPattern: r.allowed_pattern } : {}),
  tier: r.tier === 'Advanced' ? 'Advanced' : 'Standard', dataType: r.data_type, modifiedAt: r.modified_at, modifiedBy: r.modified_by,
});

export class SqliteParameterRepo implements ParameterRepo {
  constructor(private readonly s: Statements) {}

  async current(name: string): Promise<ParameterVersionRecord | undefined> {
    const row = this.s.get(`SELECT v.* FROM ssm_parameters p JOIN ssm_parameter_versions v ON v.name = p.name AND v.version = p.version
      WHERE p.name = ?`).get(name) as ParameterRow | undefined;
    return row && parameterFromRow(row);
  }

  async version(name: string, version: number): Promise<ParameterVersionRecord | undefined> {
    const row = this.s.get('SELECT * FROM ssm_parameter_versions WHERE name = ? AND version = ?').get(name, version) as ParameterRow | undefined;
    return row && parameterFromRow(row);
  }

  async listCurrent(): Promise<ParameterVersionRecord[]> {
    return (this.s.get(`SELECT v.* FROM ssm_parameters p JOIN ssm_parameter_versions v ON v.name = p.name AND v.version = p.version
      ORDER BY p.name`).all() as ParameterRow[]).map(parameterFromRow);
  }

  async tags(name: string): Promise<KeyValueTag[]> {
    const text = this.s.get('SELECT tags FROM ssm_parameters WHERE name = ?').pluck().get(name) as string | undefined;
    return text === undefined ? [] : JSON.parse(text) as KeyValueTag[];
  }

  async putVersion(v: ParameterVersionRecord, tags: readonly KeyValueTag[]): Promise<void> {
    this.s.get(`INSERT INTO ssm_parameters (name, version, tags) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET version = excluded.version`).run(v.name, v.version, JSON.stringify(tags));
    this.s.get(`INSERT INTO ssm_parameter_versions (name, version, type, value, key_id, description, allowed_pattern, tier, data_type,
        modified_at, modified_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(v.name, v.version, v.type, v.value, v.keyId ?? null, v.description ?? null, v.allowedPattern ?? null, v.tier, v.dataType,
        v.modifiedAt, v.modifiedBy);
  }

  async pruneVersions(name: string, keepFrom: number): Promise<void> {
    this.s.get('DELETE FROM ssm_parameter_versions WHERE name = ? AND version < ?').run(name, keepFrom);
  }

  async remove(name: string): Promise<boolean> {
    return this.s.get('DELETE FROM ssm_parameters WHERE name = ?').run(name).changes > 0;
  }
}
