/**
 * PutLogEvents' batch rules, as AWS states them for the API. Pure: time comes in as `now`.
 *
 * A batch fails as a whole (InvalidParameterException) when it holds more than 10,000 events, more
 * than 1,048,576 bytes (each event counts its UTF-8 message bytes plus 26), events out of
 * chronological order, or spans more than 24 hours. Otherwise events too far in the past (more
 * than 14 days, or older than the group's retention) and too far in the future (more than 2 hours)
 * are left out and reported in `rejectedLogEventsInfo`; the rest are accepted. Being chronological,
 * the too-old ones are a prefix of the batch and the too-new ones a suffix.
 */
import { InvalidParameterException } from './errors.js';

export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
export const EVENT_OVERHEAD_BYTES = 26;
export const MAX_BATCH_SPAN_MS = 24 * 3600_000;
export const MAX_EVENT_AGE_MS = 14 * 24 * 3600_000;
export const MAX_EVENT_AHEAD_MS = 2 * 3600_000;
export const DAY_MS = 24 * 3600_000;

export interface InputLogEvent {
  readonly timestamp: number;
  readonly message: string;
}

export interface RejectedLogEventsInfo {
  tooNewLogEventStartIndex?: number;
  tooOldLogEventEndIndex?: number;
  expiredLogEventEndIndex?: number;
}

export interface BatchPlan {
  /** Accepted events are `events.slice(start, end)`. */
  readonly start: number;
  readonly end: number;
  readonly rejected: RejectedLogEventsInfo | undefined;
}

export const eventBytes = (e: InputLogEvent): number => Buffer.byteLength(e.message, 'utf8') + EVENT_OVERHEAD_BYTES;

/** Throws InvalidParameterException for a batch AWS refuses whole. */
export function checkBatch(events: readonly InputLogEvent[]): void {
  if (events.length === 0 || events.length > MAX_BATCH_EVENTS) {
    throw new InvalidParameterException(`A batch must hold 1 to ${MAX_BATCH_EVENTS} log events; this one holds ${events.length}.`);
  }
  let bytes = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    bytes += eventBytes(e);
    if (i > 0 && e.timestamp < events[i - 1]!.timestamp) {
      throw new InvalidParameterException('Log events in a single PutLogEvents request must be in chronological order.');
    }
  }
  if (bytes > MAX_BATCH_BYTES) throw new InvalidParameterException(`Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
  if (events[events.length - 1]!.timestamp - events[0]!.timestamp > MAX_BATCH_SPAN_MS) {
    throw new InvalidParameterException('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
  }
}

/** Checks the batch and splits it into accepted and rejected events. */
export function planBatch(events: readonly InputLogEvent[], now: number, retentionDays: number | undefined): BatchPlan {
  checkBatch(events);
  const tooOldBefore = now - MAX_EVENT_AGE_MS;
  const expiredBefore = retentionDays === undefined ? -Infinity : now - retentionDays * DAY_MS;
  const tooNewAfter = now + MAX_EVENT_AHEAD_MS;
  let tooOldEnd = 0;
  while (tooOldEnd < events.length && events[tooOldEnd]!.timestamp < tooOldBefore) tooOldEnd++;
  let expiredEnd = 0;
  while (expiredEnd < events.length && events[expiredEnd]!.timestamp < expiredBefore) expiredEnd++;
  let tooNewStart = events.length;
  while (tooNewStart > 0 && events[tooNewStart - 1]!.timestamp > tooNewAfter) tooNewStart--;
  const rejected: RejectedLogEventsInfo = {};
  if (tooOldEnd > 0) rejected.tooOldLogEventEndIndex = tooOldEnd;
  if (expiredEnd > 0) rejected.expiredLogEventEndIndex = expiredEnd;
  if (tooNewStart < events.length) rejected.tooNewLogEventStartIndex = tooNewStart;
  const start = Math.max(tooOldEnd, expiredEnd);
  return { start, end: Math.max(start, tooNewStart), rejected: Object.keys(rejected).length > 0 ? rejected : undefined };
}

/**
 * Cuts any list of events into batches `checkBatch` accepts: sorted by timestamp (stable, so lines
 * with one timestamp keep their order), each within the count, size and 24-hour limits; a message
 * too big for a batch of its own is split into pieces on character boundaries. For callers that
 * are not bound by the API's rules (the awslogs driver's control-plane path).
 */
export function splitIntoBatches(events: readonly InputLogEvent[]): InputLogEvent[][] {
  const sorted = events.flatMap(splitLongMessage).sort((a, b) => a.timestamp - b.timestamp);
  const batches: InputLogEvent[][] = [];
  let current: InputLogEvent[] = [];
  let bytes = 0;
  for (const e of sorted) {
    const size = eventBytes(e);
    const first = current[0];
    if (first && (current.length === MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES || e.timestamp - first.timestamp > MAX_BATCH_SPAN_MS)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

const MAX_MESSAGE_BYTES = MAX_BATCH_BYTES - EVENT_OVERHEAD_BYTES;

function splitLongMessage(e: InputLogEvent): InputLogEvent[] {
  if (e.message.length * 3 <= MAX_MESSAGE_BYTES || Buffer.byteLength(e.message, 'utf8') <= MAX_MESSAGE_BYTES) return [e];
  const pieces: InputLogEvent[] = [];
  let piece = '';
  let pieceBytes = 0;
  for (const ch of e.message) {
    const b = Buffer.byteLength(ch, 'utf8');
    if (pieceBytes + b > MAX_MESSAGE_BYTES) {
      pieces.push({ timestamp: e.timestamp, message: piece });
      piece = '';
      pieceBytes = 0;
    }
    piece += ch;
    pieceBytes += b;
  }
  if (piece !== '') pieces.push({ timestamp: e.timestamp, message: piece });
  return pieces;
}
