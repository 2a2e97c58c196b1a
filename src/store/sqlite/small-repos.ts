import type { Tag } from '../../ecs/wire.js';
import {
  ConflictError, type AccessKeyRecord, type AccessKeyRepo, type HostRecord, type HostRepo, type IdempotencyRecord,
  type IdempotencyRepo, type MetaRepo, type TagRepo,
} from '../store.js';
import type { Statements } from './statements.js';

export class SqliteTagRepo implements TagRepo {
  constructor(private readonly s: Statements) {}
  async get(arn: string): Promise<Tag[]> {
    return this.s.get('SELECT key, value FROM tags WHERE resource_arn = ? ORDER BY rowid').all(arn) as Tag[];
  }
  async getMany(arns: readonly string[]): Promise<Map<string, Tag[]>> {
    const out = new Map<string, Tag[]>(arns.map((a) => [a, []]));
    if (arns.length === 0) return out;
    const rows = this.s.get('SELECT resource_arn, key, value FROM tags WHERE resource_arn IN (SELECT value FROM json_each(?)) ORDER BY rowid')
      .all(JSON.stringify(arns)) as { resource_arn: string; key: string; value: string }[];
    for (const r of rows) out.get(r.resource_arn)?.push({ key: r.key, value: r.value });
    return out;
  }
  async put(arn: string, tags: readonly Tag[]): Promise<void> {
    const st = this.s.get(`INSERT INTO tags (resource_arn, key, value) VALUES (?, ?, ?)
      ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value`);
    for (const t of tags) st.run(arn, t.key, t.value);
  }
  async remove(arn: string, keys: readonly string[]): Promise<void> {
    const st = this.s.get('DELETE FROM tags WHERE resource_arn = ? AND key = ?');
    for (const k of keys) st.run(arn, k);
  }
  async removeAll(arn: string): Promise<void> {
    this.s.get('DELETE FROM tags WHERE resource_arn = ?').run(arn);
  }
}

interface HostRow {
  id: string; availability_zone: string; capacity: string; status: string; token_hash: string; hostname: string | null;
  runtimes: string; registered_at: number; last_heartbeat_at: number; version: number;
}
const hostFromRow = (r: HostRow): HostRecord => ({
  id: r.id, availabilityZone: r.availability_zone, capacity: JSON.parse(r.capacity) as HostRecord['capacity'],
  status: r.status as HostRecord['status'], tokenHash: r.token_hash, hostname: r.hostname ?? undefined,
  runtimes: JSON.parse(r.runtimes) as string[], registeredAt: r.registered_at, lastHeartbeatAt: r.last_heartbeat_at,
  version: r.version,
});

export class SqliteHostRepo implements HostRepo {
  constructor(private readonly s: Statements) {}
  async get(id: string): Promise<HostRecord | undefined> {
    const row = this.s.get('SELECT * FROM hosts WHERE id = ?').get(id) as HostRow | undefined;
    return row && hostFromRow(row);
  }
  async put(h: HostRecord, expectVersion?: number): Promise<void> {
    const p = {
      id: h.id, az: h.availabilityZone, capacity: JSON.stringify(h.capacity), status: h.status, tokenHash: h.tokenHash,
      hostname: h.hostname ?? null, runtimes: JSON.stringify(h.runtimes), registeredAt: h.registeredAt,
      heartbeat: h.lastHeartbeatAt, version: h.version, expect: expectVersion ?? null,
    };
    if (expectVersion === undefined) {
      const res = this.s.get(`INSERT INTO hosts (id, availability_zone, capacity, status, token_hash, hostname, runtimes,
        registered_at, last_heartbeat_at, version) VALUES (@id, @az, @capacity, @status, @tokenHash, @hostname, @runtimes,
        @registeredAt, @heartbeat, @version) ON CONFLICT (id) DO NOTHING`).run(p);
      if (res.changes === 0) throw new ConflictError(`host ${h.id} exists`);
      return;
    }
    const res = this.s.get(`UPDATE hosts SET availability_zone = @az, capacity = @capacity, status = @status,
        token_hash = @tokenHash, hostname = @hostname, runtimes = @runtimes, registered_at = @registeredAt,
        last_heartbeat_at = @heartbeat, version = @version WHERE id = @id AND version = @expect`).run(p);
    if (res.changes === 0) throw new ConflictError(`host ${h.id} changed (expected version ${expectVersion})`);
  }
  async list(): Promise<HostRecord[]> {
    return (this.s.get('SELECT * FROM hosts ORDER BY id').all() as HostRow[]).map(hostFromRow);
  }
}

export class SqliteIdempotencyRepo implements IdempotencyRepo {
  constructor(private readonly s: Statements) {}
  async get(scope: string, token: string): Promise<IdempotencyRecord | undefined> {
    const row = this.s.get('SELECT * FROM idempotency WHERE scope = ? AND token = ?').get(scope, token) as
      { scope: string; token: string; request_hash: string; result: string; created_at: number } | undefined;
    return row && {
      scope: row.scope, token: row.token, requestHash: row.request_hash,
      resultArns: JSON.parse(row.result) as string[], createdAt: row.created_at,
    };
  }
  async put(r: IdempotencyRecord): Promise<void> {
    this.s.get('INSERT INTO idempotency (scope, token, request_hash, result, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(r.scope, r.token, r.requestHash, JSON.stringify(r.resultArns), r.createdAt);
  }
}

export class SqliteAccessKeyRepo implements AccessKeyRepo {
  constructor(private readonly s: Statements) {}
  async get(id: string): Promise<AccessKeyRecord | undefined> {
    const row = this.s.get('SELECT * FROM access_keys WHERE access_key_id = ?').get(id) as
      { access_key_id: string; secret: string; user_name: string; created_at: number } | undefined;
    return row && { accessKeyId: row.access_key_id, secretAccessKey: row.secret, userName: row.user_name, createdAt: row.created_at };
  }
  async put(r: AccessKeyRecord): Promise<void> {
    this.s.get(`INSERT INTO access_keys (access_key_id, secret, user_name, created_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (access_key_id) DO UPDATE SET secret = excluded.secret, user_name = excluded.user_name`)
      .run(r.accessKeyId, r.secretAccessKey, r.userName, r.createdAt);
  }
  async list(): Promise<AccessKeyRecord[]> {
    const rows = this.s.get('SELECT * FROM access_keys ORDER BY created_at').all() as
      { access_key_id: string; secret: string; user_name: string; created_at: number }[];
    return rows.map((row) => ({ accessKeyId: row.access_key_id, secretAccessKey: row.secret, userName: row.user_name, createdAt: row.created_at }));
  }
}

export class SqliteMetaRepo implements MetaRepo {
  constructor(private readonly s: Statements) {}
  async get(key: string): Promise<string | undefined> {
    return this.s.get('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined;
  }
  async put(key: string, value: string): Promise<void> {
    this.s.get('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
