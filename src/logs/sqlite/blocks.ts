/**
 * Blocks of events (schema.ts): how a run of a stream's events is encoded into one `log_blocks` row
 * and read back, and the merges that read events in (timestamp, id) order across blocks whose time
 * ranges overlap (a stream's stdout and stderr, PutLogEvents batches of older events).
 *
 * A block's events are sorted by timestamp and numbered `id + i`; `ts` holds each timestamp less
 * the block's min_ts (or is `[]` when all are min_ts) and `lens` each message's UTF-8 length, as
 * JSON arrays; `text` is the messages back to back. Pure apart from the rows it is handed.
 */
import { chronological, startOf, type EventBatch } from '../event-batch.js';
import type { StoredLogEvent } from '../log-store.js';
import type { Boundary } from '../stream-tokens.js';
import { BLOCK_EVENTS, BLOCK_SPAN_MS } from './schema.js';

/** A block's `ts` when every event has its min_ts. */
export const ALL_AT_MIN_TS = '[]';

export interface BlockRow {
  id: number; group_id: number; stream_id: number; min_ts: number; max_ts: number; count: number; ingested: number; ts: string; lens: string; text: Buffer;
}

/** A block's columns but the id, ready to insert. */
export interface NewBlock { minTs: number; maxTs: number; count: number; ts: string; lens: string; text: Buffer; bytes: number }

/** Events [from, to) of a sorted batch as a block (no intermediate slice: appends make millions a minute). */
function encode(b: EventBatch, from: number, to: number): NewBlock {
  const n = to - from;
  const minTs = b.timestamps[from]!;
  const maxTs = b.timestamps[to - 1]!;
  let ts = ALL_AT_MIN_TS; // a run read from a container's output at once shares one timestamp: 2 bytes, not 2 per event
  if (minTs !== maxTs) {
    const offsets = new Array<number>(n);
    for (let k = 0; k < n; k++) offsets[k] = b.timestamps[from + k]! - minTs;
    ts = `[${offsets.join(',')}]`;
  }
  const base = startOf(b, from);
  const lens = new Array<number>(n);
  let prev = base;
  for (let k = 0; k < n; k++) {
    const end = b.ends[from + k]!;
    lens[k] = end - prev;
    prev = end;
  }
  return { minTs, maxTs, count: n, ts, lens: `[${lens.join(',')}]`, text: b.data.subarray(base, prev), bytes: prev - base };
}

/** The batch as blocks: sorted by timestamp (equal ones keep their order), cut at BLOCK_EVENTS events and BLOCK_SPAN_MS. */
export function toBlocks(batch: EventBatch, maxEvents = BLOCK_EVENTS, maxSpanMs = BLOCK_SPAN_MS): NewBlock[] {
  const n = batch.timestamps.length;
  if (n === 0) return [];
  const sorted = chronological(batch);
  const out: NewBlock[] = [];
  let from = 0;
  for (let i = 1; i <= n; i++) {
    if (i === n || i - from >= maxEvents || sorted.timestamps[i]! - sorted.timestamps[from]! > maxSpanMs) {
      out.push(encode(sorted, from, i));
      from = i;
    }
  }
  return out;
}

/** A text-index document holds a block's events up to this many bytes of messages (at least one event). */
export const DOC_BYTES = 4096;

/** Where the document starting at event `from` of a block ends (exclusive), from its message ends. */
export function docEnd(ends: readonly number[], from: number): number {
  const start = from === 0 ? 0 : ends[from - 1]!;
  let i = from + 1;
  while (i < ends.length && ends[i]! - start <= DOC_BYTES) i++;
  return i;
}

/** A block read back: absolute timestamps and message ends, messages decoded on demand. */
export class Block {
  readonly id: number;
  readonly streamId: number;
  readonly groupId: number;
  readonly minTs: number;
  readonly maxTs: number;
  readonly count: number;
  readonly ingested: number;
  readonly ts: number[];
  readonly ends: number[];
  readonly text: Buffer;

  constructor(r: BlockRow) {
    this.id = r.id;
    this.streamId = r.stream_id;
    this.groupId = r.group_id;
    this.minTs = r.min_ts;
    this.maxTs = r.max_ts;
    this.count = r.count;
    this.ingested = r.ingested;
    this.text = r.text;
    if (r.ts === ALL_AT_MIN_TS) {
      this.ts = new Array<number>(r.count).fill(r.min_ts);
    } else {
      const ts = JSON.parse(r.ts) as number[];
      for (let i = 0; i < ts.length; i++) ts[i]! += r.min_ts;
      this.ts = ts;
    }
    const ends = JSON.parse(r.lens) as number[];
    for (let i = 1; i < ends.length; i++) ends[i]! += ends[i - 1]!;
    this.ends = ends;
  }

  message(i: number): string {
    return this.text.toString('utf8', i === 0 ? 0 : this.ends[i - 1]!, this.ends[i]!);
  }

  /** The index of the event holding byte `at` of `text`. */
  eventAt(at: number): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid]! > at) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  bytes(i: number): number {
    return this.ends[i]! - (i === 0 ? 0 : this.ends[i - 1]!);
  }

  event(i: number): StoredLogEvent {
    return { id: this.id + i, streamId: this.streamId, timestamp: this.ts[i]!, ingestionTime: this.ingested, message: this.message(i) };
  }

  /** The first index whose (ts, id) is after the boundary (count if none). */
  firstAfter(b: Boundary): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const t = this.ts[mid]!;
      if (t < b.ts || (t === b.ts && this.id + mid <= b.id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Where a merge is: the block and the index of its next event. */
interface Cursor { block: Block; i: number }

/** Blocks in the merge's order, a page at a time (no statement stays open between pages). */
export type BlockPager = (after: BlockRow | undefined) => BlockRow[];

export interface MergedEvent { block: Block; i: number }

/** The next block row in the pager's order (loading a page when needed); `take()` moves past it. */
function pages(page: BlockPager): (() => BlockRow | undefined) & { take(): void } {
  let rows: BlockRow[] = [];
  let at = 0;
  let done = false;
  const peek = (): BlockRow | undefined => {
    if (at < rows.length) return rows[at];
    if (done) return undefined;
    rows = page(rows[rows.length - 1]);
    at = 0;
    if (rows.length === 0) done = true;
    return rows[0];
  };
  return Object.assign(peek, { take: () => void at++ });
}

/**
 * Events after `from`, in ascending (ts, id) order, from blocks paged in ascending min_ts order
 * (first page: blocks with min_ts ≥ from.ts − BLOCK_SPAN_MS, which is every block reaching past it).
 * A block is opened once the next event could be in it: the smallest open event's ts has reached its min_ts.
 */
export function* mergeForward(page: BlockPager, from: Boundary): Generator<MergedEvent> {
  const open: Cursor[] = [];
  const peek = pages(page);
  for (;;) {
    let best: Cursor | undefined;
    for (const c of open) if (!best || c.block.ts[c.i]! < best.block.ts[best.i]! || (c.block.ts[c.i] === best.block.ts[best.i] && c.block.id < best.block.id)) best = c;
    const next = peek();
    if (next && (!best || next.min_ts <= best.block.ts[best.i]!)) {
      peek.take();
      if (next.max_ts < from.ts) continue;
      const block = new Block(next);
      const i = block.firstAfter(from);
      if (i < block.count) open.push({ block, i });
      continue;
    }
    if (!best) return;
    yield { block: best.block, i: best.i };
    if (++best.i >= best.block.count) open.splice(open.indexOf(best), 1);
  }
}

/**
 * Events at or before `from`, in descending (ts, id) order, from blocks paged in descending max_ts
 * order (first page: blocks with max_ts ≤ from.ts + BLOCK_SPAN_MS).
 */
export function* mergeBackward(page: BlockPager, from: Boundary): Generator<MergedEvent> {
  const open: Cursor[] = [];
  const peek = pages(page);
  for (;;) {
    let best: Cursor | undefined;
    for (const c of open) if (!best || c.block.ts[c.i]! > best.block.ts[best.i]! || (c.block.ts[c.i] === best.block.ts[best.i] && c.block.id > best.block.id)) best = c;
    const next = peek();
    if (next && (!best || next.max_ts >= best.block.ts[best.i]!)) {
      peek.take();
      if (next.min_ts > from.ts) continue;
      const block = new Block(next);
      const i = block.firstAfter(from) - 1;
      if (i >= 0) open.push({ block, i });
      continue;
    }
    if (!best) return;
    yield { block: best.block, i: best.i };
    if (--best.i < 0) open.splice(open.indexOf(best), 1);
  }
}
