/**
 * The SQLite log store's two database files, in their own directory beside the control plane's:
 *
 * - `logs.db`: groups, streams and events. Events are a rowid table keyed by an id the store hands
 *   out (ascending, never reused), with two indexes: (stream_id, ts) for a stream's range reads
 *   and (group_id, ts) for a group's time-ordered scans and retention deletes. Deleted groups and
 *   streams leave their events to the sweep (`log_purges`); every deleted event id is queued in
 *   `log_text_deletes` for the text index.
 * - `search.db`: `log_text`, a contentless FTS5 trigram index (case-sensitive, no positions) over
 *   the messages, keyed by event id, written only by the indexer (indexer.ts, normally in a worker
 *   thread, so appends never wait for it); `log_text_meta` records how far it has got.
 *
 * Both files use WAL: readers (the API, the indexer reading new events) never wait for a writer.
 */
import type Database from 'better-sqlite3';

export const LOGS_SCHEMA_VERSION = 1;

const LOGS_SCHEMA = `
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
INSERT OR IGNORE INTO log_meta (key, value) VALUES ('schema_version', ${LOGS_SCHEMA_VERSION}), ('event_id_high', 0);
`;

const SEARCH_SCHEMA = `
CREATE VIRTUAL TABLE IF NOT EXISTS log_text USING fts5 (
  text, tokenize = 'trigram case_sensitive 1', detail = none, content = '', contentless_delete = 1
);
CREATE TABLE IF NOT EXISTS log_text_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO log_text_meta (key, value) VALUES ('indexed_upto', 0), ('deletes_upto', 0);
`;

export function tune(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
}

export function createLogsSchema(db: Database.Database): void {
  db.exec(LOGS_SCHEMA);
  const version = (db.prepare("SELECT value FROM log_meta WHERE key = 'schema_version'").get() as { value: number }).value;
  if (version !== LOGS_SCHEMA_VERSION) throw new Error(`logs.db has schema version ${version}; this Pier knows ${LOGS_SCHEMA_VERSION}`);
}

export function createSearchSchema(db: Database.Database): void {
  db.exec(SEARCH_SCHEMA);
}
