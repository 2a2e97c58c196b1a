/**
 * The SQLite log store's two database files, in their own directory beside the control plane's:
 *
 * - `logs.db`: groups, streams and events. Events are stored in blocks (`log_blocks`, blocks.ts):
 *   one row per run of up to BLOCK_EVENTS events of one stream appended together, sorted by
 *   timestamp, spanning at most BLOCK_SPAN_MS. A block holds events `id .. id + count - 1` (ids the
 *   store hands out, ascending, never reused), their timestamps and byte lengths as JSON arrays and
 *   their messages as one blob; indexes on (stream_id, min_ts), (stream_id, max_ts) and (group_id,
 *   min_ts) serve a stream's reads both ways and a group's scans and retention deletes. A row per
 *   block rather than per event is what makes appending cheap (issue 5's log throughput). The view
 *   `log_events` shows them one row per event for ad-hoc SQL. Deleted groups and streams leave their
 *   blocks to the sweep (`log_purges`); every deleted block, or head of one, is queued in
 *   `log_text_deletes` for the text index (and, as count 0, the rest of a block whose head went).
 * - `search.db`: `log_text`, a contentless FTS5 trigram index (case-sensitive, no positions) over
 *   the blocks' messages, a document per run of a block's events keyed by its first event's id
 *   (`log_text_docs` lists them), written only by the indexer (indexer.ts, normally in a worker
 *   thread, so appends never wait for it); `log_text_meta` records how far it has got and the
 *   index's format.
 *
 * Both files use WAL: readers (the API, the indexer reading new events) never wait for a writer.
 */
import type Database from 'better-sqlite3';

export const LOGS_SCHEMA_VERSION = 2;
/** search.db's documents: 3 = runs of a block's events (indexer.ts); 2 was one per block, none recorded one per event. */
export const SEARCH_FORMAT = 3;
/** At most this many events per block (a read decodes whole blocks' timestamps and lengths). */
export const BLOCK_EVENTS = 4096;
/** A block's events span at most this long: a read starting at T looks back this far for blocks reaching it. */
export const BLOCK_SPAN_MS = 60_000;

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
CREATE TABLE IF NOT EXISTS log_blocks (
  id INTEGER PRIMARY KEY,
  group_id INTEGER NOT NULL,
  stream_id INTEGER NOT NULL,
  min_ts INTEGER NOT NULL,
  max_ts INTEGER NOT NULL,
  count INTEGER NOT NULL,
  ingested INTEGER NOT NULL,
  ts TEXT NOT NULL,
  lens TEXT NOT NULL,
  text BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS log_blocks_by_stream ON log_blocks (stream_id, min_ts, max_ts);
CREATE INDEX IF NOT EXISTS log_blocks_by_stream_end ON log_blocks (stream_id, max_ts, min_ts);
CREATE INDEX IF NOT EXISTS log_blocks_by_group ON log_blocks (group_id, min_ts, max_ts);
-- How far each source of a stream (an agent's container stdout or stderr file) is ingested, in bytes.
CREATE TABLE IF NOT EXISTS log_stream_sources (
  stream_id INTEGER NOT NULL,
  source TEXT NOT NULL,
  watermark INTEGER NOT NULL,
  PRIMARY KEY (stream_id, source)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_purges (stream_id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS log_text_deletes (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id INTEGER NOT NULL, count INTEGER NOT NULL DEFAULT 1);
INSERT OR IGNORE INTO log_meta (key, value) VALUES ('schema_version', ${LOGS_SCHEMA_VERSION}), ('event_id_high', 0);
`;

/** One row per event, for ad-hoc SQL (the store itself reads blocks). */
const EVENTS_VIEW = `
DROP VIEW IF EXISTS log_events;
CREATE VIEW log_events AS
SELECT b.id + j.key AS id, b.group_id, b.stream_id, b.min_ts + coalesce(json_extract(b.ts, '$[' || j.key || ']'), 0) AS ts, b.ingested,
  CAST(substr(b.text, 1 + sum(j.value) OVER w - j.value, j.value) AS TEXT) AS message
FROM log_blocks b, json_each(b.lens) j
WINDOW w AS (PARTITION BY b.id ORDER BY j.key ROWS UNBOUNDED PRECEDING);
`;

/**
 * Version 1 kept a row per event (log_events, with two indexes). Its events become one-event
 * blocks with the same ids (so the text index stays valid), in one transaction.
 */
function migrateFrom1(db: Database.Database): void {
  db.transaction(() => {
    db.exec(`
      INSERT INTO log_blocks (id, group_id, stream_id, min_ts, max_ts, count, ingested, ts, lens, text)
        SELECT id, group_id, stream_id, ts, ts, 1, ingested, '[0]', '[' || length(CAST(message AS BLOB)) || ']', CAST(message AS BLOB) FROM log_events;
      DROP TABLE log_events;
      ALTER TABLE log_text_deletes ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
      UPDATE log_meta SET value = 2 WHERE key = 'schema_version';
    `);
  })();
}

const SEARCH_SCHEMA = `
CREATE VIRTUAL TABLE IF NOT EXISTS log_text USING fts5 (
  text, tokenize = 'trigram case_sensitive 1', detail = none, content = '', contentless_delete = 1
);
CREATE TABLE IF NOT EXISTS log_text_docs (id INTEGER PRIMARY KEY);
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
  let version = (db.prepare("SELECT value FROM log_meta WHERE key = 'schema_version'").get() as { value: number }).value;
  if (version === 1) {
    migrateFrom1(db);
    version = 2;
  }
  db.exec(EVENTS_VIEW);
  if (version !== LOGS_SCHEMA_VERSION) throw new Error(`logs.db has schema version ${version}; this Pier knows ${LOGS_SCHEMA_VERSION}`);
}

export function createSearchSchema(db: Database.Database): void {
  db.exec(SEARCH_SCHEMA);
}
