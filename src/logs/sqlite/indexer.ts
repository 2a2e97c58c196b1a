/**
 * Keeps search.db's trigram index in step with logs.db: indexes events appended since it last ran
 * and drops deleted ones, in batches, recording its progress in the same transaction as the index
 * change (so a crash resumes where it left off, never indexing twice).
 *
 * Each batch reads new events and queued deletes from one snapshot of logs.db, then applies both.
 * An event deleted before it was indexed is in no later snapshot's events, so it is never indexed;
 * one deleted after is indexed by an earlier batch and removed by a later one.
 *
 * It runs in a worker thread (indexer-worker.ts) in production, so the API's event loop never
 * spends time indexing; tests may run it inline with `step()`.
 */
import Database from 'better-sqlite3';
import { decodedJsonStrings } from '../filter-pattern.js';
import { groupMarker } from './group-search.js';
import { createSearchSchema, tune } from './schema.js';

export const INDEX_BATCH = 2000;

/** The text indexed for an event: its message, the decoded strings of JSON with escapes, and its group's marker. */
export function indexedText(message: string, groupId: number): string {
  const decoded = decodedJsonStrings(message);
  return decoded.length === 0 ? `${message}\n${groupMarker(groupId)}` : `${message}\n${decoded.join('\n')}\n${groupMarker(groupId)}`;
}

interface NewEvent { id: number; group_id: number; message: string }
interface QueuedDelete { seq: number; event_id: number }

export class TextIndexer {
  private readonly logs: Database.Database;
  private readonly search: Database.Database;
  private readonly readBatch: () => { rows: NewEvent[]; deletes: QueuedDelete[] };
  private readonly applyBatch: (rows: NewEvent[], deletes: QueuedDelete[]) => void;

  constructor(logsPath: string, searchPath: string, private readonly batch = INDEX_BATCH) {
    this.logs = new Database(logsPath, { readonly: true });
    this.logs.pragma('busy_timeout = 5000');
    this.search = new Database(searchPath);
    tune(this.search);
    createSearchSchema(this.search);
    const meta = this.search.prepare('SELECT value FROM log_text_meta WHERE key = ?').pluck();
    const setMeta = this.search.prepare('UPDATE log_text_meta SET value = ? WHERE key = ?');
    const newEvents = this.logs.prepare('SELECT id, group_id, message FROM log_events WHERE id > ? ORDER BY id LIMIT ?');
    const queuedDeletes = this.logs.prepare('SELECT seq, event_id FROM log_text_deletes WHERE seq > ? ORDER BY seq LIMIT ?');
    const insert = this.search.prepare('INSERT INTO log_text (rowid, text) VALUES (?, ?)');
    const remove = this.search.prepare('DELETE FROM log_text WHERE rowid = ?');
    this.readBatch = this.logs.transaction(() => ({
      rows: newEvents.all(meta.get('indexed_upto'), this.batch) as NewEvent[],
      deletes: queuedDeletes.all(meta.get('deletes_upto'), this.batch) as QueuedDelete[],
    }));
    this.applyBatch = this.search.transaction((rows: NewEvent[], deletes: QueuedDelete[]) => {
      for (const r of rows) insert.run(r.id, indexedText(r.message, r.group_id));
      const upto = rows.length > 0 ? rows[rows.length - 1]!.id : (meta.get('indexed_upto') as number);
      // Ids above `upto` were deleted before being indexed and will never be: nothing to remove.
      for (const d of deletes) if (d.event_id <= upto) remove.run(d.event_id);
      setMeta.run(upto, 'indexed_upto');
      if (deletes.length > 0) setMeta.run(deletes[deletes.length - 1]!.seq, 'deletes_upto');
    });
  }

  /** Indexes one batch; returns how many events and deletes it handled (0: caught up). */
  step(): number {
    const { rows, deletes } = this.readBatch();
    if (rows.length === 0 && deletes.length === 0) return 0;
    this.applyBatch(rows, deletes);
    return rows.length + deletes.length;
  }

  /** Steps until caught up. */
  catchUp(): number {
    let total = 0;
    for (let n = this.step(); n > 0; n = this.step()) total += n;
    return total;
  }

  /** Empties the index and starts it at the given positions (the store was reset). */
  restart(indexedUpto: number, deletesUpto: number): void {
    this.search.transaction(() => {
      this.search.exec("INSERT INTO log_text (log_text) VALUES ('delete-all')");
      this.search.prepare('UPDATE log_text_meta SET value = ? WHERE key = ?').run(indexedUpto, 'indexed_upto');
      this.search.prepare('UPDATE log_text_meta SET value = ? WHERE key = ?').run(deletesUpto, 'deletes_upto');
    })();
  }

  close(): void {
    this.logs.close();
    this.search.close();
  }
}
