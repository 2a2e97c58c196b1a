/**
 * Where log groups, streams and their events live: kept apart from the control plane's database,
 * because log data grows by millions of rows, is appended to constantly, searched by text and
 * deleted by age. `SqliteLogStore` (sqlite/) is the embedded implementation; a PostgreSQL one can
 * implement the same interface (partitioned event tables, pg_trgm for `requirement`), and
 * test/contract/log-store.test.ts is the behaviour both must pass.
 *
 * What implementers must guarantee:
 * - Events of a stream are ordered by (timestamp, id). Ids are positive integers, unique in the
 *   store and never reused, ascending in the order events were appended; Boundary keys use them.
 * - `appendEvents` is atomic: all of the batch becomes visible at once, with the stream's first/last
 *   event timestamp, last ingestion time, stored bytes and upload sequence and the group's stored
 *   bytes updated in the same step. Stored bytes are the UTF-8 bytes of the messages.
 * - Reads never return events older than `notBefore` (retention), whether or not they were deleted yet.
 * - `searchGroup` returns, in (timestamp, id) order, matching events after `after`; it may stop early
 *   (after examining as many events as it likes) and say where to resume with `resumeAfter`, so no
 *   one call runs long; without `resumeAfter` the search is complete. `pattern.requirement` may be
 *   used to narrow the events examined (any event that matches contains one alternative's literals,
 *   in its text or, for JSON text with escapes, in its decoded strings); `pattern.matches` decides.
 * - Deleting a group or stream hides it and its events at once; the events' space may be reclaimed
 *   later (`sweep`). Names may be reused at once by a new group or stream with a new id.
 * - All methods may be called concurrently; each is atomic on its own. A store that cannot serve a
 *   call (closed, overloaded, out of space) throws LogStoreUnavailableError.
 */
import type { InputLogEvent } from './batch-rules.js';
import type { EventBatch } from './event-batch.js';
import type { LiteralRequirement } from './filter-pattern.js';
import type { Boundary, Direction } from './stream-tokens.js';

export interface LogGroupRecord {
  readonly id: number;
  readonly name: string;
  readonly createdAt: number;
  readonly retentionDays: number | undefined;
  readonly logGroupClass: string;
  readonly storedBytes: number;
  readonly tags: Readonly<Record<string, string>>;
}

export interface LogStreamRecord {
  readonly id: number;
  readonly groupId: number;
  readonly name: string;
  readonly createdAt: number;
  readonly firstEventTimestamp: number | undefined;
  readonly lastEventTimestamp: number | undefined;
  readonly lastIngestionTime: number | undefined;
  readonly storedBytes: number;
  /** Incremented by every append; PutLogEvents shows it as the (ignored) sequence token. */
  readonly uploadSequence: number;
}

export interface StoredLogEvent {
  readonly id: number;
  readonly streamId: number;
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
}

export interface NewLogGroup {
  readonly name: string;
  readonly createdAt: number;
  readonly retentionDays?: number;
  readonly logGroupClass: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface GroupListQuery {
  /** Names starting with this. */
  readonly prefix?: string;
  /** Names containing this (case-sensitive). */
  readonly contains?: string;
  /** Only these names. */
  readonly names?: readonly string[];
  readonly logGroupClass?: string;
  /** Names after this one (paging). */
  readonly afterName?: string;
  readonly limit: number;
}

export type StreamOrder = 'LogStreamName' | 'LastEventTime';

/** Where a stream listing continues: after this stream in the listing's order. */
export interface StreamListKey {
  readonly name: string;
  readonly lastEventTimestamp: number | undefined;
}

export interface StreamListQuery {
  readonly prefix?: string;
  readonly orderBy: StreamOrder;
  readonly descending: boolean;
  readonly after?: StreamListKey;
  readonly limit: number;
}

export interface StreamReadQuery {
  /** forward: events after `from`, oldest first; backward: events at or before `from`, newest first. */
  readonly direction: Direction;
  readonly from: Boundary;
  /** Inclusive. */
  readonly startTime?: number;
  /** Exclusive. */
  readonly endTime?: number;
  /** Retention: events older than this are never returned. */
  readonly notBefore: number;
  readonly limit: number;
  /** Stop before the page's messages (+26 bytes each) exceed this. At least one event is returned. */
  readonly maxBytes: number;
}

export interface EventMatcher {
  matches(message: string): boolean;
  readonly requirement: LiteralRequirement | undefined;
}

export interface GroupSearchQuery {
  /** Only these streams; all of the group's when absent. */
  readonly streamIds?: readonly number[];
  /** Inclusive. */
  readonly startTime?: number;
  /** Inclusive. */
  readonly endTime?: number;
  readonly notBefore: number;
  readonly after?: Boundary;
  readonly pattern: EventMatcher;
  readonly limit: number;
  readonly maxBytes: number;
}

export interface GroupSearchPage {
  /** Oldest first. */
  readonly events: readonly StoredLogEvent[];
  /** Present when the search stopped early: continue after this boundary. */
  readonly resumeAfter?: Boundary;
}

export interface GroupChange {
  /** null removes the retention policy. */
  readonly retentionDays?: number | null;
  /** Tags to add or overwrite. */
  readonly addTags?: Readonly<Record<string, string>>;
  readonly removeTagKeys?: readonly string[];
  /** Refuse (answer 'too-many-tags', changing nothing) if the group would end up with more tags. */
  readonly maxTags?: number;
}

/** Thrown when the store cannot serve a call right now (closed, busy past its timeout, disk full, I/O error). */
export class LogStoreUnavailableError extends Error {}

export interface SourceAppendResult {
  /** The source is ingested up to here. */
  readonly watermark: number;
  /** Events stored by this call (the others were there already). */
  readonly appended: number;
}

export interface SweepResult {
  /** Events deleted because their group's retention passed. */
  readonly expired: number;
  /** Events deleted because their group or stream was deleted. */
  readonly purged: number;
}

export interface LogStore {
  createGroup(group: NewLogGroup): Promise<LogGroupRecord | 'exists'>;
  getGroup(name: string): Promise<LogGroupRecord | undefined>;
  /** Ordered by name. */
  listGroups(query: GroupListQuery): Promise<LogGroupRecord[]>;
  /** Applies the change atomically; undefined when there is no such group. */
  updateGroup(name: string, change: GroupChange): Promise<LogGroupRecord | undefined | 'too-many-tags'>;
  countGroups(): Promise<number>;
  deleteGroup(name: string): Promise<boolean>;

  createStream(groupName: string, streamName: string, createdAt: number): Promise<LogStreamRecord | 'exists' | 'no-group'>;
  getStream(groupName: string, streamName: string): Promise<{ group: LogGroupRecord; stream: LogStreamRecord | undefined } | undefined>;
  listStreams(groupId: number, query: StreamListQuery): Promise<LogStreamRecord[]>;
  deleteStream(groupName: string, streamName: string): Promise<'deleted' | 'no-group' | 'no-stream'>;

  /**
   * Appends events read from one source of the stream (an agent's container output file; `offsets`
   * ascending, present), each byte range once: events starting below the source's watermark were ingested before and are
   * dropped, and the watermark moves to `toOffset` — in one transaction. Undefined when the stream
   * no longer exists.
   */
  appendFromSource(streamId: number, source: string, events: EventBatch, toOffset: number, ingestionTime: number): Promise<SourceAppendResult | undefined>;
  /** Appends an accepted batch (chronological) to a stream; undefined when the stream no longer exists. */
  appendEvents(streamId: number, events: readonly InputLogEvent[], ingestionTime: number): Promise<LogStreamRecord | undefined>;
  readStream(streamId: number, query: StreamReadQuery): Promise<StoredLogEvent[]>;
  searchGroup(groupId: number, query: GroupSearchQuery): Promise<GroupSearchPage>;

  /**
   * Reclaims space: deletes events older than their group's retention (`now` decides) and the
   * events of deleted groups and streams, at most about `maxEvents` of them per call, adjusting
   * stored bytes. Returns how many it deleted; call again while it deletes a full `maxEvents`.
   */
  sweep(now: number, maxEvents: number): Promise<SweepResult>;
  /** Forgets everything (test servers' /_pier/reset). */
  reset(): Promise<void>;
  close(): Promise<void>;
}
