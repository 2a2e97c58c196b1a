/**
 * The embedded log store: better-sqlite3 on logs.db and search.db in a directory of their own
 * (schema.ts). Calls run synchronously on the caller's thread, each in one transaction, and are
 * kept short: an append is one transaction, a search examines a bounded number of events per call
 * (group-search.ts), the sweep deletes in bounded batches. The text index is kept by the indexer
 * (indexer.ts), normally in a worker thread.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { InputLogEvent } from '../batch-rules.js';
import { batchOf, pick, slice, type EventBatch } from '../event-batch.js';
import type { Logger } from '../../lib/logger.js';
import { silentLogger } from '../../lib/logger.js';
import { LogStoreUnavailableError } from '../log-store.js';
import type {
  GroupChange, GroupListQuery, GroupSearchPage, GroupSearchQuery, LogGroupRecord, LogStore, LogStreamRecord, NewLogGroup,
  SourceAppendResult, StoredLogEvent, StreamListQuery, StreamReadQuery, SweepResult,
} from '../log-store.js';
import { Block, mergeBackward, mergeForward, toBlocks, type BlockPager, type BlockRow } from './blocks.js';
import { GroupSearch, type SearchLimits } from './group-search.js';
import { startIndexer, type IndexerMode, type IndexerRunner } from './indexer-runner.js';
import { BLOCK_SPAN_MS, createLogsSchema, createSearchSchema, tune } from './schema.js';

export interface SqliteLogStoreOptions {
  /** Directory for logs.db and search.db (created if missing). */
  readonly dir: string;
  readonly indexer?: IndexerMode;
  readonly log?: Logger;
  readonly search?: Partial<SearchLimits>;
}

interface GroupRow { id: number; name: string; created_at: number; retention_days: number | null; log_group_class: string; stored_bytes: number; tags: string }
interface StreamRow {
  id: number; group_id: number; name: string; created_at: number; first_event_ts: number | null; last_event_ts: number | null;
  last_ingestion: number | null; stored_bytes: number; upload_sequence: number;
}

const groupFromRow = (r: GroupRow): LogGroupRecord => ({
  id: r.id, name: r.name, createdAt: r.created_at, retentionDays: r.retention_days ?? undefined,
  logGroupClass: r.log_group_class, storedBytes: r.stored_bytes, tags: JSON.parse(r.tags) as Record<string, string>,
});
const streamFromRow = (r: StreamRow): LogStreamRecord => ({
  id: r.id, groupId: r.group_id, name: r.name, createdAt: r.created_at, firstEventTimestamp: r.first_event_ts ?? undefined,
  lastEventTimestamp: r.last_event_ts ?? undefined, lastIngestionTime: r.last_ingestion ?? undefined,
  storedBytes: r.stored_bytes, uploadSequence: r.upload_sequence,
});

const MIN = Number.MIN_SAFE_INTEGER;
const MAX = Number.MAX_SAFE_INTEGER;
const DAY_MS = 86_400_000;
/** Blocks read per query while merging. */
const PAGE_BLOCKS = 8;
/** Every name sorts below this: names are ASCII, the pattern keeps groups to [.\-_/#A-Za-z0-9]. */
const AFTER_ALL = '\u{10FFFF}';

export class SqliteLogStore implements LogStore {
  readonly logsPath: string;
  readonly searchPath: string;
  private readonly db: Database.Database;
  private readonly indexer: IndexerRunner;
  private readonly search: GroupSearch;
  private nextEventId: number;
  private closed = false;

  private constructor(options: SqliteLogStoreOptions) {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    this.logsPath = join(options.dir, 'logs.db');
    this.searchPath = join(options.dir, 'search.db');
    const search = new Database(this.searchPath);
    tune(search);
    createSearchSchema(search);
    search.close();
    this.db = new Database(this.logsPath);
    // A new logs.db gets 16 KiB pages: a block is ~40-100 KB, so 4 KiB pages made each append write
    // (and the checkpoint copy) four times as many pages, ~25 % more time (ignored for an existing file).
    this.db.pragma('page_size = 16384');
    tune(this.db);
    // The indexer checkpoints the WAL every second off this thread (indexer.ts); this is only a backstop.
    this.db.pragma('wal_autocheckpoint = 25000');
    createLogsSchema(this.db);
    this.db.prepare('ATTACH DATABASE ? AS search').run(this.searchPath);
    const high = this.sql("SELECT max((SELECT value FROM log_meta WHERE key = 'event_id_high'), coalesce((SELECT id + count - 1 FROM log_blocks ORDER BY id DESC LIMIT 1), 0))").pluck().get() as number;
    this.nextEventId = high + 1;
    this.search = new GroupSearch(this.db, options.search);
    this.indexer = startIndexer(options.indexer ?? 'worker', { logsPath: this.logsPath, searchPath: this.searchPath }, options.log ?? silentLogger);
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** Runs a call, answering LogStoreUnavailableError when the store is closed or SQLite cannot serve it now. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new LogStoreUnavailableError('the log store is closed');
    try {
      return await fn();
    } catch (err) {
      if (this.closed) throw new LogStoreUnavailableError('the log store was closed during the call', { cause: err });
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN)/.test(code)) {
        throw new LogStoreUnavailableError(`the log store cannot serve this now (${code})`, { cause: err });
      }
      throw err;
    }
  }

  /** Prepared once per SQL text. */
  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  static open(options: SqliteLogStoreOptions): SqliteLogStore {
    return new SqliteLogStore(options);
  }

  // ---- groups

  async createGroup(g: NewLogGroup): Promise<LogGroupRecord | 'exists'> {
    return this.guard(async () => {
      const row = this.sql(`INSERT INTO log_groups (name, created_at, retention_days, log_group_class, tags) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (name) DO NOTHING RETURNING *`).get(g.name, g.createdAt, g.retentionDays ?? null, g.logGroupClass, JSON.stringify(g.tags)) as GroupRow | undefined;
      return row ? groupFromRow(row) : 'exists';
    });
  }

  async getGroup(name: string): Promise<LogGroupRecord | undefined> {
    return this.guard(async () => {
      const row = this.sql('SELECT * FROM log_groups WHERE name = ?').get(name) as GroupRow | undefined;
      return row && groupFromRow(row);
    });
  }

  async listGroups(q: GroupListQuery): Promise<LogGroupRecord[]> {
    return this.guard(async () => {
      const rows = this.sql(`SELECT * FROM log_groups WHERE name > @after AND name >= @prefix AND name < @prefixEnd
        AND (@contains IS NULL OR instr(name, @contains) > 0) AND (@class IS NULL OR log_group_class = @class) ORDER BY name`).iterate({
        after: q.afterName ?? '', prefix: q.prefix ?? '', prefixEnd: (q.prefix ?? '') + AFTER_ALL, contains: q.contains ?? null, class: q.logGroupClass ?? null,
      }) as IterableIterator<GroupRow>;
      const names = q.names ? new Set(q.names) : undefined;
      const out: LogGroupRecord[] = [];
      for (const r of rows) {
        if (names && !names.has(r.name)) continue;
        out.push(groupFromRow(r));
        if (out.length >= q.limit) break;
      }
      return out;
    });
  }

  async updateGroup(name: string, change: GroupChange): Promise<LogGroupRecord | undefined | 'too-many-tags'> {
    return this.guard(async () => {
      return this.db.transaction(() => {
        const row = this.sql('SELECT * FROM log_groups WHERE name = ?').get(name) as GroupRow | undefined;
        if (!row) return undefined;
        const tags = JSON.parse(row.tags) as Record<string, string>;
        for (const [k, v] of Object.entries(change.addTags ?? {})) tags[k] = v;
        for (const k of change.removeTagKeys ?? []) delete tags[k];
        if (change.maxTags !== undefined && Object.keys(tags).length > change.maxTags) return 'too-many-tags' as const;
        const retention = change.retentionDays === undefined ? row.retention_days : change.retentionDays;
        const updated = this.sql('UPDATE log_groups SET retention_days = ?, tags = ? WHERE id = ? RETURNING *').get(retention, JSON.stringify(tags), row.id) as GroupRow;
        return groupFromRow(updated);
      })();
    });
  }

  async countGroups(): Promise<number> {
    return this.guard(async () => {
      return this.sql('SELECT count(*) FROM log_groups').pluck().get() as number;
    });
  }

  async deleteGroup(name: string): Promise<boolean> {
    return this.guard(async () => {
      return this.db.transaction(() => {
        const id = this.sql('SELECT id FROM log_groups WHERE name = ?').pluck().get(name) as number | undefined;
        if (id === undefined) return false;
        this.sql('INSERT OR IGNORE INTO log_purges (stream_id, group_id) SELECT id, group_id FROM log_streams WHERE group_id = ?').run(id);
        this.sql('DELETE FROM log_stream_sources WHERE stream_id IN (SELECT id FROM log_streams WHERE group_id = ?)').run(id);
        this.sql('DELETE FROM log_streams WHERE group_id = ?').run(id);
        this.sql('DELETE FROM log_groups WHERE id = ?').run(id);
        return true;
      })();
    });
  }

  // ---- streams

  async createStream(groupName: string, streamName: string, createdAt: number): Promise<LogStreamRecord | 'exists' | 'no-group'> {
    return this.guard(async () => {
      const groupId = this.sql('SELECT id FROM log_groups WHERE name = ?').pluck().get(groupName) as number | undefined;
      if (groupId === undefined) return 'no-group';
      const row = this.sql(`INSERT INTO log_streams (group_id, name, created_at) VALUES (?, ?, ?)
        ON CONFLICT (group_id, name) DO NOTHING RETURNING *`).get(groupId, streamName, createdAt) as StreamRow | undefined;
      return row ? streamFromRow(row) : 'exists';
    });
  }

  async getStream(groupName: string, streamName: string): Promise<{ group: LogGroupRecord; stream: LogStreamRecord | undefined } | undefined> {
    return this.guard(async () => {
      const group = this.sql('SELECT * FROM log_groups WHERE name = ?').get(groupName) as GroupRow | undefined;
      if (!group) return undefined;
      const stream = this.sql('SELECT * FROM log_streams WHERE group_id = ? AND name = ?').get(group.id, streamName) as StreamRow | undefined;
      return { group: groupFromRow(group), stream: stream && streamFromRow(stream) };
    });
  }

  async listStreams(groupId: number, q: StreamListQuery): Promise<LogStreamRecord[]> {
    return this.guard(async () => {
      const dir = q.descending ? 'DESC' : 'ASC';
      const cmp = q.descending ? '<' : '>';
      let rows: StreamRow[];
      if (q.orderBy === 'LogStreamName') {
        const after = q.after?.name ?? (q.descending ? AFTER_ALL : '');
        rows = this.sql(`SELECT * FROM log_streams WHERE group_id = ? AND name ${cmp} ? AND name >= ? AND name < ?
          ORDER BY name ${dir} LIMIT ?`).all(groupId, after, q.prefix ?? '', q.prefix ? q.prefix + AFTER_ALL : AFTER_ALL, q.limit) as StreamRow[];
      } else {
        const key = q.after ? (q.after.lastEventTimestamp ?? -1) : (q.descending ? MAX : MIN);
        const name = q.after?.name ?? '';
        rows = this.sql(`SELECT * FROM log_streams WHERE group_id = ?
          AND (coalesce(last_event_ts, -1) ${cmp} ? OR (coalesce(last_event_ts, -1) = ? AND name ${cmp} ?))
          ORDER BY coalesce(last_event_ts, -1) ${dir}, name ${dir} LIMIT ?`).all(groupId, key, key, name, q.limit) as StreamRow[];
      }
      return rows.map(streamFromRow);
    });
  }

  async deleteStream(groupName: string, streamName: string): Promise<'deleted' | 'no-group' | 'no-stream'> {
    return this.guard(async () => {
      return this.db.transaction(() => {
        const groupId = this.sql('SELECT id FROM log_groups WHERE name = ?').pluck().get(groupName) as number | undefined;
        if (groupId === undefined) return 'no-group' as const;
        const stream = this.sql('SELECT id, stored_bytes FROM log_streams WHERE group_id = ? AND name = ?').get(groupId, streamName) as { id: number; stored_bytes: number } | undefined;
        if (!stream) return 'no-stream' as const;
        this.sql('INSERT OR IGNORE INTO log_purges (stream_id, group_id) VALUES (?, ?)').run(stream.id, groupId);
        this.sql('DELETE FROM log_streams WHERE id = ?').run(stream.id);
        this.sql('DELETE FROM log_stream_sources WHERE stream_id = ?').run(stream.id);
        this.sql('UPDATE log_groups SET stored_bytes = stored_bytes - ? WHERE id = ?').run(stream.stored_bytes, groupId);
        return 'deleted' as const;
      })();
    });
  }

  // ---- events

  async appendEvents(streamId: number, events: readonly InputLogEvent[], ingestionTime: number): Promise<LogStreamRecord | undefined> {
    return this.guard(async () => {
      const result = this.appendTx(streamId, batchOf(events), ingestionTime);
      if (result) this.indexer.wake();
      return result;
    });
  }

  async appendFromSource(streamId: number, source: string, events: EventBatch, toOffset: number, ingestionTime: number): Promise<SourceAppendResult | undefined> {
    return this.guard(async () => {
      const result = this.db.transaction((): SourceAppendResult | undefined => {
        const held = this.sql('SELECT watermark FROM log_stream_sources WHERE stream_id = ? AND source = ?').pluck().get(streamId, source) as number | undefined;
        const watermark = held ?? 0;
        const offsets = events.offsets ?? [];
        let stale = false;
        for (let i = 0; i < offsets.length && !stale; i++) stale = offsets[i]! < watermark;
        const fresh = stale ? pick(events, offsets.flatMap((o, i) => (o >= watermark ? [i] : []))) : events;
        const n = fresh.timestamps.length;
        if (n > 0 && !this.appendTx(streamId, fresh, ingestionTime)) return undefined;
        if (n === 0 && this.sql('SELECT 1 FROM log_streams WHERE id = ?').get(streamId) === undefined) return undefined;
        const next = Math.max(watermark, toOffset);
        this.sql(`INSERT INTO log_stream_sources (stream_id, source, watermark) VALUES (?, ?, ?)
          ON CONFLICT (stream_id, source) DO UPDATE SET watermark = excluded.watermark`).run(streamId, source, next);
        return { watermark: next, appended: n };
      })();
      if (result?.appended) this.indexer.wake();
      return result;
    });
  }

  /** Stores the events as blocks (blocks.ts): a row per up to BLOCK_EVENTS events, not per event. */
  private readonly appendTx = (streamId: number, events: EventBatch, ingestionTime: number): LogStreamRecord | undefined => {
    const insert = this.sql('INSERT INTO log_blocks (id, group_id, stream_id, min_ts, max_ts, count, ingested, ts, lens, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    return this.db.transaction(() => {
      const groupId = this.sql('SELECT group_id FROM log_streams WHERE id = ?').pluck().get(streamId) as number | undefined;
      if (groupId === undefined) return undefined;
      let bytes = 0;
      let first = MAX;
      let last = MIN;
      for (const b of toBlocks(events)) {
        insert.run(this.nextEventId, groupId, streamId, b.minTs, b.maxTs, b.count, ingestionTime, b.ts, b.lens, b.text);
        this.nextEventId += b.count;
        bytes += b.bytes;
        if (b.minTs < first) first = b.minTs;
        if (b.maxTs > last) last = b.maxTs;
      }
      const any = events.timestamps.length > 0;
      this.sql("UPDATE log_meta SET value = ? WHERE key = 'event_id_high'").run(this.nextEventId - 1);
      this.sql('UPDATE log_groups SET stored_bytes = stored_bytes + ? WHERE id = ?').run(bytes, groupId);
      const row = this.sql(`UPDATE log_streams SET first_event_ts = min(coalesce(first_event_ts, @first), @first),
        last_event_ts = max(coalesce(last_event_ts, @last), @last), last_ingestion = @ingested, stored_bytes = stored_bytes + @bytes,
        upload_sequence = upload_sequence + 1 WHERE id = @id RETURNING *`)
        .get({ first: any ? first : null, last: any ? last : null, ingested: ingestionTime, bytes, id: streamId }) as StreamRow;
      return streamFromRow(row);
    })();
  };

  async readStream(streamId: number, q: StreamReadQuery): Promise<StoredLogEvent[]> {
    return this.guard(async () => {
      const lo = Math.max(q.startTime ?? MIN, q.notBefore);
      const hi = q.endTime ?? MAX;
      const page: StoredLogEvent[] = [];
      let bytes = 0;
      const take = (block: Block, i: number): boolean => {
        bytes += block.bytes(i) + 26;
        if (page.length >= q.limit || (bytes > q.maxBytes && page.length > 0)) return false;
        page.push(block.event(i));
        return true;
      };
      if (q.direction === 'forward') {
        const from = q.from.ts >= lo ? q.from : { ts: lo - 1, id: MAX };
        const st = this.sql(`SELECT * FROM log_blocks WHERE stream_id = ? AND (min_ts, max_ts, id) > (?, ?, ?) AND min_ts < ?
          ORDER BY min_ts, max_ts, id LIMIT ${PAGE_BLOCKS}`);
        const pager: BlockPager = (after) => st.all(streamId, after?.min_ts ?? from.ts - BLOCK_SPAN_MS - 1, after?.max_ts ?? MAX, after?.id ?? MAX, hi) as BlockRow[];
        for (const { block, i } of mergeForward(pager, from)) if (block.ts[i]! >= hi || !take(block, i)) break;
        return page;
      }
      const from = q.from.ts < hi ? q.from : { ts: hi - 1, id: MAX };
      const st = this.sql(`SELECT * FROM log_blocks WHERE stream_id = ? AND (max_ts, min_ts, id) < (?, ?, ?) AND max_ts >= ?
        ORDER BY max_ts DESC, min_ts DESC, id DESC LIMIT ${PAGE_BLOCKS}`);
      const pager: BlockPager = (after) => st.all(streamId, after?.max_ts ?? from.ts + BLOCK_SPAN_MS + 1, after?.min_ts ?? MIN, after?.id ?? MIN, lo) as BlockRow[];
      for (const { block, i } of mergeBackward(pager, from)) if (block.ts[i]! < lo || !take(block, i)) break;
      return page.reverse();
    });
  }

  async searchGroup(groupId: number, q: GroupSearchQuery): Promise<GroupSearchPage> {
    return this.guard(async () => {
      return this.search.run(groupId, q);
    });
  }

  // ---- housekeeping

  async sweep(now: number, maxEvents: number): Promise<SweepResult> {
    return this.guard(async () => {
      const purged = this.purgeBatch(maxEvents);
      let expired = 0;
      const groups = this.sql('SELECT id, retention_days FROM log_groups WHERE retention_days IS NOT NULL').all() as { id: number; retention_days: number }[];
      for (const g of groups) {
        if (purged + expired >= maxEvents) break;
        expired += this.expireBatch(g.id, now - g.retention_days * DAY_MS, maxEvents - purged - expired);
      }
      this.sql("DELETE FROM log_text_deletes WHERE seq <= (SELECT value FROM search.log_text_meta WHERE key = 'deletes_upto')").run();
      if (purged + expired > 0) this.indexer.wake();
      return { expired, purged };
    });
  }

  /** Deletes blocks, queueing their event ids for the text index. */
  private deleteBlocks(blocks: readonly { id: number; count: number }[]): void {
    const del = this.sql('DELETE FROM log_blocks WHERE id = ?');
    const queue = this.sql('INSERT INTO log_text_deletes (event_id, count) VALUES (?, ?)');
    for (const b of blocks) {
      del.run(b.id);
      queue.run(b.id, b.count);
    }
  }

  private purgeBatch(max: number): number {
    return this.db.transaction(() => {
      let deleted = 0;
      const purges = this.sql('SELECT stream_id FROM log_purges LIMIT 100').pluck().all() as number[];
      for (const streamId of purges) {
        const want = max - deleted;
        if (want <= 0) break;
        const blocks: { id: number; count: number }[] = [];
        let n = 0;
        for (const b of this.sql('SELECT id, count FROM log_blocks WHERE stream_id = ?').iterate(streamId) as IterableIterator<{ id: number; count: number }>) {
          if (n >= want) break;
          blocks.push(b);
          n += b.count;
        }
        this.deleteBlocks(blocks);
        deleted += n;
        if (n < want) this.sql('DELETE FROM log_purges WHERE stream_id = ?').run(streamId);
      }
      return deleted;
    })();
  }

  /**
   * Deletes the group's events older than `before`: whole blocks, and the old head of a block
   * reaching past it (rewritten without it, its first id moving up by as many events).
   */
  private expireBatch(groupId: number, before: number, max: number): number {
    return this.db.transaction(() => {
      const rows = this.sql(`SELECT * FROM log_blocks WHERE group_id = ? AND min_ts < ? ORDER BY min_ts LIMIT ?`).all(groupId, before, Math.max(1, Math.ceil(max / 64))) as BlockRow[];
      if (rows.length === 0) return 0;
      const perStream = new Map<number, number>();
      let deleted = 0;
      for (const r of rows) {
        if (deleted >= max) break;
        let gone = r.count;
        let bytes = r.text.length;
        if (r.max_ts >= before) {
          const block = new Block(r);
          gone = block.firstAfter({ ts: before - 1, id: MAX });
          bytes = block.ends[gone - 1]!;
          const kept = slice({ timestamps: block.ts, ends: block.ends, data: block.text }, gone, block.count);
          const [b] = toBlocks(kept, block.count, MAX);
          this.sql('UPDATE log_blocks SET id = ?, min_ts = ?, count = ?, ts = ?, lens = ?, text = ? WHERE id = ?')
            .run(r.id + gone, b!.minTs, b!.count, b!.ts, b!.lens, Buffer.from(b!.text), r.id);
          // For the text index: the old block goes, its rest (count 0) is indexed again under its new id.
          this.sql('INSERT INTO log_text_deletes (event_id, count) VALUES (?, ?), (?, 0)').run(r.id, gone, r.id + gone);
        } else {
          this.deleteBlocks([r]);
        }
        deleted += gone;
        perStream.set(r.stream_id, (perStream.get(r.stream_id) ?? 0) + bytes);
      }
      for (const [streamId, bytes] of perStream) {
        // Streams already deleted had their bytes taken off the group when they went.
        const changed = this.sql(`UPDATE log_streams SET stored_bytes = stored_bytes - @bytes,
          first_event_ts = coalesce((SELECT min(min_ts) FROM log_blocks WHERE stream_id = @id), first_event_ts) WHERE id = @id`).run({ bytes, id: streamId }).changes;
        if (changed > 0) this.sql('UPDATE log_groups SET stored_bytes = stored_bytes - ? WHERE id = ?').run(bytes, groupId);
      }
      return deleted;
    })();
  }

  /** Resolves once the text index covers every event appended so far (tests and benchmarks). */
  async waitForIndex(timeoutMs = 600_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const target = this.nextEventId - 1;
    const upto = this.sql("SELECT value FROM search.log_text_meta WHERE key = 'indexed_upto'").pluck();
    const maxId = this.sql('SELECT coalesce((SELECT id + count - 1 FROM log_blocks ORDER BY id DESC LIMIT 1), 0)').pluck();
    while ((upto.get() as number) < Math.min(target, maxId.get() as number)) {
      if (Date.now() > deadline) throw new Error('the log text index did not catch up in time');
      this.indexer.wake();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async reset(): Promise<void> {
    this.db.transaction(() => {
      for (const t of ['log_blocks', 'log_streams', 'log_stream_sources', 'log_groups', 'log_purges', 'log_text_deletes']) this.db.exec(`DELETE FROM ${t}`);
    })();
    const lastSeq = this.sql("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'log_text_deletes'), 0)").pluck().get() as number;
    await this.indexer.restart(this.nextEventId - 1, lastSeq);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.indexer.stop();
    this.db.close();
  }
}
