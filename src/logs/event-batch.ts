/**
 * Events as parallel arrays over one buffer of their UTF-8 messages: how the awslogs driver's
 * batches travel from a container's output file through the agent protocol into the log store
 * without a string or an object per event. Message i is `data[ends[i - 1] ?? 0, ends[i])`.
 * Pure.
 */
import { isUtf8 } from 'node:buffer';

export interface EventBatch {
  readonly timestamps: readonly number[];
  /** Where each message ends in `data` (bytes); the first starts at 0. */
  readonly ends: readonly number[];
  readonly data: Buffer;
  /** Where each event starts in its source (bytes of a container's output file), when it came from one. */
  readonly offsets?: readonly number[];
}

export const EMPTY_BATCH: EventBatch = { timestamps: [], ends: [], data: Buffer.alloc(0) };

export const startOf = (b: EventBatch, i: number): number => (i === 0 ? 0 : b.ends[i - 1]!);

export function messageAt(b: EventBatch, i: number): string {
  return b.data.toString('utf8', startOf(b, i), b.ends[i]!);
}

/** A batch of the given events (their messages encoded once into one buffer). */
export function batchOf(events: readonly { timestamp: number; message: string; offset?: number }[]): EventBatch {
  const joined = events.map((e) => e.message).join('');
  const data = Buffer.from(joined, 'utf8');
  const ends: number[] = [];
  let at = 0;
  // All ASCII (the usual case): a message's bytes are its characters, no native call per message.
  const ascii = data.length === joined.length;
  for (const e of events) ends.push((at += ascii ? e.message.length : Buffer.byteLength(e.message, 'utf8')));
  const offsets = events.length > 0 && events.every((e) => e.offset !== undefined) ? events.map((e) => e.offset!) : undefined;
  return { timestamps: events.map((e) => e.timestamp), ends, data, ...(offsets ? { offsets } : {}) };
}

/** The events as objects (tests, and the JSON form of the agent protocol). */
export function eventsOf(b: EventBatch): { timestamp: number; message: string; offset?: number }[] {
  return b.timestamps.map((timestamp, i) => ({ timestamp, message: messageAt(b, i), ...(b.offsets ? { offset: b.offsets[i]! } : {}) }));
}

/** The events at the given indexes, in that order (the same batch when that is all of them in order). */
export function pick(b: EventBatch, indexes: readonly number[]): EventBatch {
  const n = b.timestamps.length;
  if (indexes.length === n && indexes.every((v, i) => v === i)) return b;
  let size = 0;
  for (const i of indexes) size += b.ends[i]! - startOf(b, i);
  const data = Buffer.allocUnsafe(size);
  const ends: number[] = [];
  let at = 0;
  for (const i of indexes) {
    at += b.data.copy(data, at, startOf(b, i), b.ends[i]!);
    ends.push(at);
  }
  return {
    timestamps: indexes.map((i) => b.timestamps[i]!), ends, data, ...(b.offsets ? { offsets: indexes.map((i) => b.offsets![i]!) } : {}),
  };
}

/** The events [from, to) (no copy). */
export function slice(b: EventBatch, from: number, to: number): EventBatch {
  if (from === 0 && to === b.timestamps.length) return b;
  const base = startOf(b, from);
  return {
    timestamps: b.timestamps.slice(from, to), ends: b.ends.slice(from, to).map((e) => e - base), data: b.data.subarray(base, to > from ? b.ends[to - 1]! : base),
    ...(b.offsets ? { offsets: b.offsets.slice(from, to) } : {}),
  };
}

/** The batch in (timestamp, position) order: itself when it is already. */
export function chronological(b: EventBatch): EventBatch {
  const ts = b.timestamps;
  let sorted = true;
  for (let i = 1; i < ts.length && sorted; i++) sorted = ts[i - 1]! <= ts[i]!;
  return sorted ? b : pick(b, ts.map((_, i) => i).sort((x, y) => ts[x]! - ts[y]! || x - y));
}

/**
 * The batch with any message that is not valid UTF-8 replaced by its decoding (U+FFFD for each bad
 * sequence), as a string would hold it: what is stored, counted and returned is then the same text.
 */
export function validUtf8(b: EventBatch): EventBatch {
  if (isUtf8(b.data)) return b;
  return batchOf(b.timestamps.map((timestamp, i) => ({ timestamp, message: messageAt(b, i), ...(b.offsets ? { offset: b.offsets[i]! } : {}) })));
}
