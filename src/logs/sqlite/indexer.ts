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
import { Block, type BlockRow } from './blocks.js';
import { groupMarker } from './group-search.js';
import { createSearchSchema, tune } from './schema.js';

export const INDEX_BATCH = 2000;
/** How often the indexer checkpoints logs.db's WAL (so the appending thread need not, see SqliteLogStore). */
export const CHECKPOINT_EVERY_MS = 1_000;

/** The text indexed for an event: its message, the decoded strings of JSON with escapes, and its group's marker. */
export function indexedText(message: string, groupId: number): string {
  const decoded = decodedJsonStrings(message);
  return decoded.length === 0 ? `${message}\n${groupMarker(groupId)}` : `${message}\n${decoded.join('\n')}\n${groupMarker(groupId)}`;
}

interface QueuedDelete { seq: number; event_id: number; count: number }

export class TextIndexer {
  private readonly logs: Database.Database;
  private readonly search: Database.Database;
  /** A writable connection to logs.db used only to checkpoint its WAL. */
  private readonly checkpointer: Database.Database;
  private checkpointedAt = 0;
  private readonly readBatch: () => { rows: BlockRow[]; deletes: QueuedDelete[] };
  private readonly applyBatch: (rows: BlockRow[], deletes: QueuedDelete[]) => void;

  constructor(logsPath: string, searchPath: string, private readonly batch = INDEX_BATCH) {
    this.logs = new Database(logsPath, { readonly: true });
    this.logs.pragma('busy_timeout = 5000');
    this.checkpointer = new Database(logsPath);
    this.search = new Database(searchPath);
    tune(this.search);
    createSearchSchema(this.search);
    const meta = this.search.prepare('SELECT value FROM log_text_meta WHERE key = ?').pluck();
    const setMeta = this.search.prepare('UPDATE log_text_meta SET value = ? WHERE key = ?');
    const newBlocks = this.logs.prepare('SELECT * FROM log_blocks WHERE id > ? ORDER BY id');
    const queuedDeletes = this.logs.prepare('SELECT seq, event_id, count FROM log_text_deletes WHERE seq > ? ORDER BY seq LIMIT ?');
    const insert = this.search.prepare('INSERT INTO log_text (rowid, text) VALUES (?, ?)');
    const remove = this.search.prepare('DELETE FROM log_text WHERE rowid = ?');
    // Whole blocks, about `batch` events: a block is indexed in one step.
    this.readBatch = this.logs.transaction(() => {
      const rows: BlockRow[] = [];
      let events = 0;
      for (const r of newBlocks.iterate(meta.get('indexed_upto')) as IterableIterator<BlockRow>) {
        rows.push(r);
        if ((events += r.count) >= this.batch) break;
      }
      // Deletes too by events (a queued range is a whole block).
      const deletes: QueuedDelete[] = [];
      let removing = 0;
      for (const d of queuedDeletes.iterate(meta.get('deletes_upto'), this.batch) as IterableIterator<QueuedDelete>) {
        deletes.push(d);
        if ((removing += d.count) >= this.batch) break;
      }
      return { rows, deletes };
    });
    this.applyBatch = this.search.transaction((rows: BlockRow[], deletes: QueuedDelete[]) => {
      for (const r of rows) {
        const block = new Block(r);
        for (let i = 0; i < block.count; i++) insert.run(block.id + i, indexedText(block.message(i), block.groupId));
      }
      const lastRow = rows[rows.length - 1];
      const upto = lastRow ? lastRow.id + lastRow.count - 1 : (meta.get('indexed_upto') as number);
      // Ids above `upto` were deleted before being indexed and will never be: nothing to remove.
      for (const d of deletes) for (let id = d.event_id; id < d.event_id + d.count && id <= upto; id++) remove.run(id);
      setMeta.run(upto, 'indexed_upto');
      if (deletes.length > 0) setMeta.run(deletes[deletes.length - 1]!.seq, 'deletes_upto');
    });
  }

  /** Indexes one batch; returns how many events and deletes it handled (0: caught up). */
  step(): number {
    this.checkpoint();
    const { rows, deletes } = this.readBatch();
    if (rows.length === 0 && deletes.length === 0) return 0;
    this.applyBatch(rows, deletes);
    return rows.length + deletes.length;
  }

  /**
   * Copies logs.db's WAL into the database now and then (PASSIVE: never waits for the writer or
   * readers). Appends would otherwise do it themselves, on the API's thread, every 1,000 pages.
   */
  private checkpoint(): void {
    const now = Date.now();
    if (now - this.checkpointedAt < CHECKPOINT_EVERY_MS) return;
    this.checkpointedAt = now;
    this.checkpointer.pragma('wal_checkpoint(PASSIVE)');
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
    this.checkpointer.close();
    this.logs.close();
    this.search.close();
  }
}
