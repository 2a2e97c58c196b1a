/**
 * Opening a data dir written by an older Pier: logs.db schema version 1 kept a row per event
 * (log_events); version 2 keeps blocks. The events move into blocks with their ids, so what the
 * text index already holds stays right; reads, searches, retention and appends carry on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { compileFilterPattern } from '../../src/logs/filter-pattern.js';
import { createSearchSchema } from '../../src/logs/sqlite/schema.js';
import { SqliteLogStore } from '../../src/logs/sqlite/sqlite-log-store.js';

/** logs.db as Pier wrote it before blocks (schema version 1). */
const V1_SCHEMA = `
CREATE TABLE IF NOT EXISTS log_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS log_groups (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  retention_days INTEGER,
  log_group_class TEXT NOT NULL,
  stored_bytes INTEGER NOT NULL DEFAULT 0,
  tags TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS log_streams (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  group_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  first_event_ts INTEGER,
  last_event_ts INTEGER,
  last_ingestion INTEGER,
  stored_bytes INTEGER NOT NULL DEFAULT 0,
  upload_sequence INTEGER NOT NULL DEFAULT 0,
  UNIQUE (group_id, name)
);
CREATE INDEX IF NOT EXISTS log_streams_by_last_event ON log_streams (group_id, last_event_ts, name);
CREATE TABLE IF NOT EXISTS log_events (
  id INTEGER PRIMARY KEY,
  group_id INTEGER NOT NULL,
  stream_id INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  ingested INTEGER NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_events_by_stream ON log_events (stream_id, ts);
CREATE INDEX IF NOT EXISTS log_events_by_group ON log_events (group_id, ts);
-- How far each source of a stream (an agent's container stdout or stderr file) is ingested, in bytes.
CREATE TABLE IF NOT EXISTS log_stream_sources (
  stream_id INTEGER NOT NULL,
  source TEXT NOT NULL,
  watermark INTEGER NOT NULL,
  PRIMARY KEY (stream_id, source)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_purges (stream_id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS log_text_deletes (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id INTEGER NOT NULL);
INSERT OR IGNORE INTO log_meta (key, value) VALUES ('schema_version', 1), ('event_id_high', 0);
`;

const T0 = Date.UTC(2026, 0, 1);
const MIN = Number.MIN_SAFE_INTEGER;
const dir = mkdtempSync(join(tmpdir(), 'pier-logmigrate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a version 1 log store opens as blocks: same events and ids, index kept, appends after them', async () => {
  const v1 = new Database(join(dir, 'logs.db'));
  v1.exec(V1_SCHEMA);
  v1.exec(`INSERT INTO log_groups (id, name, created_at, log_group_class, stored_bytes) VALUES (1, 'g', ${T0}, 'STANDARD', 29);
    INSERT INTO log_streams (id, group_id, name, created_at, first_event_ts, last_event_ts, stored_bytes) VALUES (1, 1, 'a', ${T0}, ${T0}, ${T0 + 30}, 17), (2, 1, 'b', ${T0}, ${T0 + 5}, ${T0 + 5}, 12);
    INSERT INTO log_stream_sources VALUES (1, 'stdout', 40);`);
  const events: [number, number, number, string][] = [[1, 1, T0, 'alpha one'], [2, 2, T0 + 5, 'beta ünïcode'], [3, 1, T0 + 30, 'gamma'], [5, 1, T0 + 10, 'late']];
  const ins = v1.prepare('INSERT INTO log_events (id, group_id, stream_id, ts, ingested, message) VALUES (?, 1, ?, ?, ?, ?)');
  for (const [id, stream, ts, m] of events) ins.run(id, stream, ts, T0 + 100, m);
  v1.prepare("UPDATE log_meta SET value = 6 WHERE key = 'event_id_high'").run();
  v1.close();
  // The index had reached event 2 (ids 1 and 2 indexed by the old indexer, a document per event,
  // no format recorded): it is built again as a document per run of a block's events.
  const search = new Database(join(dir, 'search.db'));
  createSearchSchema(search);
  for (const [id, , , m] of events.slice(0, 2)) search.prepare('INSERT INTO log_text (rowid, text) VALUES (?, ?)').run(id, m);
  search.prepare("UPDATE log_text_meta SET value = 2 WHERE key = 'indexed_upto'").run();
  search.close();

  const store = SqliteLogStore.open({ dir, indexer: 'inline' });
  try {
    const read = await store.readStream(1, { direction: 'forward', from: { ts: MIN, id: 0 }, notBefore: MIN, limit: 10, maxBytes: 1e6 });
    assert.deepEqual(read.map((e) => [e.id, e.timestamp, e.message, e.ingestionTime]), [[1, T0, 'alpha one', T0 + 100], [5, T0 + 10, 'late', T0 + 100], [3, T0 + 30, 'gamma', T0 + 100]]);
    const back = await store.readStream(2, { direction: 'backward', from: { ts: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER }, notBefore: MIN, limit: 10, maxBytes: 1e6 });
    assert.deepEqual(back.map((e) => e.message), ['beta ünïcode']);
    await store.waitForIndex(30_000);
    const find = async (p: string): Promise<string[]> =>
      (await store.searchGroup(1, { notBefore: MIN, pattern: compileFilterPattern(p), limit: 100, maxBytes: 1e6 })).events.map((e) => e.message);
    assert.deepEqual(await find('alpha'), ['alpha one'], 'indexed before the migration');
    assert.deepEqual(await find('gamma'), ['gamma'], 'indexed after it');
    assert.deepEqual(await find('a'), ['alpha one', 'beta ünïcode', 'late', 'gamma']);
    const appended = await store.appendFromSource(1, 'stdout', { timestamps: [T0 + 40], ends: [3], data: Buffer.from('new'), offsets: [40] }, 44, T0 + 200);
    assert.deepEqual(appended, { watermark: 44, appended: 1 });
    const all = await store.readStream(1, { direction: 'forward', from: { ts: MIN, id: 0 }, notBefore: MIN, limit: 10, maxBytes: 1e6 });
    assert.deepEqual(all.map((e) => e.message), ['alpha one', 'late', 'gamma', 'new']);
    assert.equal(all[3]!.id, 7, 'ids carry on after the highest ever handed out');
  } finally {
    await store.close();
  }
  const db = new Database(join(dir, 'logs.db'), { readonly: true });
  try {
    assert.equal(db.prepare("SELECT value FROM log_meta WHERE key = 'schema_version'").pluck().get(), 2);
    assert.deepEqual(db.prepare('SELECT id, stream_id, ts, message FROM log_events ORDER BY id').all(), [
      { id: 1, stream_id: 1, ts: T0, message: 'alpha one' }, { id: 2, stream_id: 2, ts: T0 + 5, message: 'beta ünïcode' },
      { id: 3, stream_id: 1, ts: T0 + 30, message: 'gamma' }, { id: 5, stream_id: 1, ts: T0 + 10, message: 'late' }, { id: 7, stream_id: 1, ts: T0 + 40, message: 'new' },
    ], 'the log_events view shows every event');
  } finally {
    db.close();
  }
  const index = new Database(join(dir, 'search.db'), { readonly: true });
  try {
    assert.equal(index.prepare("SELECT value FROM log_text_meta WHERE key = 'format'").pluck().get(), 3, 'the index was built again as runs of blocks');
    // Blocks 1 (alpha one), 2 (beta), 3 (gamma), 5 (late), 7 (new): each one event, one document.
    assert.deepEqual(index.prepare("SELECT rowid FROM log_text WHERE log_text MATCH '\"amm\"'").pluck().all(), [3]);
  } finally {
    index.close();
  }
});
