/**
 * Keeps search.db's trigram index in step with logs.db: indexes blocks appended since it last ran
 * and drops deleted ones, in batches, recording its progress in the same transaction as the index
 * change (so a crash resumes where it left off, never indexing twice).
 *
 * A document is a run of a block's events (docEnd in blocks.ts: up to 4 KiB of messages), keyed by
 * the id of its first event (`log_text_docs` lists the keys, so a deleted range finds its
 * documents). Not an event: FTS5 costs ~2.7 µs per row, more than everything else shipping an
 * awslogs line. Not a whole block: every trigram of a random request id is in some line of a block
 * of a thousand, so an AND of trigrams would name every block. A search reads its candidates' blocks and checks the documents'
 * events with the pattern (group-search.ts). Messages are indexed back to back, so a trigram
 * spanning two of them only makes a document a candidate it need not have been.
 *
 * Each batch reads new blocks and queued deletes from one snapshot of logs.db, then applies both. A
 * block deleted before it was indexed is in no later snapshot, so it is never indexed; one deleted
 * after is indexed by an earlier batch and removed by a later one. Retention may cut the head off a
 * block, which then carries on under a higher id: its queued delete names the old id and count, and
 * the rest is indexed again under the new id.
 *
 * It runs in a worker thread (indexer-worker.ts) in production, so the API's event loop never
 * spends time indexing; tests may run it inline with `step()`.
 */
import Database from 'better-sqlite3';
import { decodedJsonStrings } from '../filter-pattern.js';
import { ALL_AT_MIN_TS, Block, docEnd, type BlockRow } from './blocks.js';
import { groupMarker } from './group-search.js';
import { createSearchSchema, SEARCH_FORMAT, tune } from './schema.js';

/** Events per batch (whole blocks: a block is indexed in one step). */
export const INDEX_BATCH = 16_384;
/** How often the indexer checkpoints logs.db's WAL (so the appending thread need not, see SqliteLogStore). */
export const CHECKPOINT_EVERY_MS = 1_000;

const BACKSLASH = 0x5c;
/** Separates distinct trigrams in a document's indexed text (see distinctTrigrams). */
const TRIGRAM_SEPARATOR = 0x01;

/** Generation-stamped "seen" marks for the 2^21 trigrams of 7-bit characters, reused by every document (8 MiB, made on first use). */
let seen: Uint32Array | undefined;
let generation = 0;

/**
 * The distinct trigrams of ASCII `text`, each followed by TRIGRAM_SEPARATOR, or undefined when that
 * would not be much shorter (or the text is not ASCII). FTS5's cost is per trigram it tokenizes, and
 * a run of similar lines (health checks, access logs) holds each trigram many times. The separators
 * add trigrams of their own, which no search asks for.
 */
function distinctTrigrams(text: Buffer): Buffer | undefined {
  seen ??= new Uint32Array(1 << 21);
  if (++generation === 0xffffffff) {
    seen.fill(0);
    generation = 1;
  }
  const budget = text.length >> 3; // distinct trigrams above 1/8 of the positions: not worth it
  const out = Buffer.allocUnsafe(budget * 4 + 4);
  let w = 0;
  let key = 0;
  for (let p = 0; p < text.length; p++) {
    const c = text[p]!;
    if (c >= 0x80) return undefined;
    key = ((key << 7) | c) & 0x1fffff;
    if (p < 2 || seen[key] === generation) continue;
    seen[key] = generation;
    if (w >= budget * 4) return undefined;
    out[w] = text[p - 2]!;
    out[w + 1] = text[p - 1]!;
    out[w + 2] = c;
    out[w + 3] = TRIGRAM_SEPARATOR;
    w += 4;
  }
  return out.subarray(0, w);
}

/** A block's documents: the index of each one's first event and its indexed text. */
export function blockDocs(row: IndexedBlockRow): { from: number; text: Buffer }[] {
  const block = new Block({ ...row, min_ts: 0, max_ts: 0, ingested: 0, stream_id: 0, ts: ALL_AT_MIN_TS });
  const marker = groupMarker(row.group_id);
  const docs: { from: number; text: Buffer }[] = [];
  for (let from = 0; from < block.count;) {
    const end = docEnd(block.ends, from);
    docs.push({ from, text: docText(block, from, end, marker) });
    from = end;
  }
  return docs;
}

/**
 * The text indexed for events [from, end) of a block: their messages' trigrams (back to back as
 * UTF-8 bytes, or their distinct trigrams: FTS5 reads a blob as text, so no string is made of
 * them), the decoded strings of JSON messages with escapes (where a JSON pattern's literal may not
 * appear verbatim), and the group's marker.
 */
function docText(block: Block, from: number, end: number, marker: string): Buffer {
  const lo = from === 0 ? 0 : block.ends[from - 1]!;
  const hi = block.ends[end - 1]!;
  const text = block.text.subarray(lo, hi);
  const extra: string[] = [];
  for (let at = text.indexOf(BACKSLASH); at !== -1;) {
    const i = block.eventAt(lo + at);
    extra.push(...decodedJsonStrings(block.message(i)));
    at = text.indexOf(BACKSLASH, block.ends[i]! - lo);
  }
  extra.push(marker);
  return Buffer.concat([distinctTrigrams(text) ?? text, Buffer.from(`\n${extra.join('\n')}`)]);
}

interface QueuedDelete { seq: number; event_id: number; count: number; rest?: BlockRow }

/** What indexing a block needs. */
export type IndexedBlockRow = Pick<BlockRow, 'id' | 'group_id' | 'count' | 'text' | 'lens'>;

export class TextIndexer {
  private readonly logs: Database.Database;
  private readonly search: Database.Database;
  /** A writable connection to logs.db used only to checkpoint its WAL. */
  private readonly checkpointer: Database.Database;
  private checkpointedAt = 0;
  private readonly readBatch: () => { rows: IndexedBlockRow[]; deletes: QueuedDelete[] };
  private readonly applyBatch: (rows: IndexedBlockRow[], deletes: QueuedDelete[]) => void;

  constructor(logsPath: string, searchPath: string, private readonly batch = INDEX_BATCH) {
    this.logs = new Database(logsPath, { readonly: true });
    this.logs.pragma('busy_timeout = 5000');
    this.checkpointer = new Database(logsPath);
    this.search = new Database(searchPath);
    tune(this.search);
    createSearchSchema(this.search);
    const meta = this.search.prepare('SELECT value FROM log_text_meta WHERE key = ?').pluck();
    const setMeta = this.search.prepare('UPDATE log_text_meta SET value = ? WHERE key = ?');
    const newBlocks = this.logs.prepare('SELECT id, group_id, count, text, lens FROM log_blocks WHERE id > ? ORDER BY id');
    const queuedDeletes = this.logs.prepare('SELECT seq, event_id, count FROM log_text_deletes WHERE seq > ? ORDER BY seq LIMIT ?');
    const blockById = this.logs.prepare('SELECT * FROM log_blocks WHERE id = ?');
    const insertText = this.search.prepare('INSERT INTO log_text (rowid, text) VALUES (?, ?)');
    const insertDoc = this.search.prepare('INSERT INTO log_text_docs (id) VALUES (?)');
    const docsIn = this.search.prepare('SELECT id FROM log_text_docs WHERE id >= ? AND id < ?').pluck();
    const removeText = this.search.prepare('DELETE FROM log_text WHERE rowid = ?');
    const removeDoc = this.search.prepare('DELETE FROM log_text_docs WHERE id = ?');
    const index = (row: IndexedBlockRow): void => {
      for (const doc of blockDocs(row)) {
        insertText.run(row.id + doc.from, doc.text);
        insertDoc.run(row.id + doc.from);
      }
    };
    const removeRange = (from: number, count: number): void => {
      for (const id of docsIn.all(from, from + count) as number[]) {
        removeText.run(id);
        removeDoc.run(id);
      }
    };
    // Whole blocks, about `batch` events: a block is indexed in one step.
    this.readBatch = this.logs.transaction(() => {
      const rows: IndexedBlockRow[] = [];
      let events = 0;
      for (const r of newBlocks.iterate(meta.get('indexed_upto')) as IterableIterator<IndexedBlockRow>) {
        rows.push(r);
        if ((events += r.count) >= this.batch) break;
      }
      // A queued (id, count) removes block `id`: all of it, or the head retention cut off. Count 0
      // marks the rest of a cut block, now block `id`, to index again (read from this snapshot;
      // gone if it was cut or deleted again since).
      const deletes: QueuedDelete[] = [];
      for (const d of queuedDeletes.iterate(meta.get('deletes_upto'), this.batch) as IterableIterator<QueuedDelete>) {
        const rest = d.count === 0 ? blockById.get(d.event_id) as BlockRow | undefined : undefined;
        deletes.push(rest ? { ...d, rest } : d);
      }
      return { rows, deletes };
    });
    this.applyBatch = this.search.transaction((rows: IndexedBlockRow[], deletes: QueuedDelete[]) => {
      for (const r of rows) index(r);
      const lastRow = rows[rows.length - 1];
      const upto = lastRow ? lastRow.id + lastRow.count - 1 : (meta.get('indexed_upto') as number);
      // Blocks above `upto` were deleted before being indexed and never will be: nothing to remove.
      for (const d of deletes) {
        if (d.event_id > upto) continue;
        if (!d.rest) {
          removeRange(d.event_id, d.count);
        } else {
          // The rest's documents were cut from the old block's (or made by a rebuild that got there first).
          removeRange(d.rest.id, d.rest.count);
          index(d.rest);
        }
      }
      setMeta.run(upto, 'indexed_upto');
      if (deletes.length > 0) setMeta.run(deletes[deletes.length - 1]!.seq, 'deletes_upto');
    });
    this.upgrade(meta);
  }

  /** An index of an older format (a document per event, or per block) is emptied and built again from the start. */
  private upgrade(meta: Database.Statement): void {
    const format = meta.get('format') as number | undefined;
    if (format === SEARCH_FORMAT) return;
    if (format === undefined && meta.get('indexed_upto') === 0 && meta.get('deletes_upto') === 0) {
      this.search.prepare('INSERT INTO log_text_meta (key, value) VALUES (?, ?)').run('format', SEARCH_FORMAT);
      return;
    }
    const lastSeq = this.logs.prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'log_text_deletes'), 0)").pluck().get() as number;
    this.restart(0, lastSeq);
    this.search.prepare('INSERT OR REPLACE INTO log_text_meta (key, value) VALUES (?, ?)').run('format', SEARCH_FORMAT);
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
      this.search.exec("INSERT INTO log_text (log_text) VALUES ('delete-all'); DELETE FROM log_text_docs");
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
