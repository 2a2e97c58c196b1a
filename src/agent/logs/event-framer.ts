/**
 * Lines of a container's output into CloudWatch Logs events, as Docker's awslogs driver frames
 * them: one event per line, or, with a start pattern (awslogs-multiline-pattern, or
 * awslogs-datetime-format turned into one), one event from each line matching the pattern up to the
 * next, lines joined by newlines. Empty single-line events are dropped (CloudWatch refuses empty
 * messages); an event is cut at CloudWatch's size limit. Every event keeps the byte range of the
 * file it came from, so shipping can resume exactly at an event boundary.
 */

import { batchOf, type EventBatch } from '../../logs/event-batch.js';

/** CloudWatch's limit for one event: 256 KiB including its 26 bytes of overhead. */
export const MAX_EVENT_BYTES = 262_144 - 26;

export interface Line {
  readonly text: string;
  /** Byte offsets in the source file: [start, end) including the newline. */
  readonly start: number;
  readonly end: number;
  /** When the agent first read it (epoch ms): the event's timestamp. */
  readonly at: number;
}

export interface FramedEvent {
  readonly message: string;
  readonly timestamp: number;
  readonly start: number;
  readonly end: number;
}

export class EventFramer {
  private pending: { parts: string[]; bytes: number; timestamp: number; start: number; end: number } | undefined;

  constructor(private readonly startPattern?: RegExp, private readonly maxEventBytes = MAX_EVENT_BYTES) {}

  /** Adds a line; returns the events it completed. */
  push(line: Line): FramedEvent[] {
    if (!this.startPattern) {
      return line.text === '' ? [] : [{ message: line.text, timestamp: line.at, start: line.start, end: line.end }];
    }
    const out: FramedEvent[] = [];
    const bytes = Buffer.byteLength(line.text);
    const starts = this.startPattern.test(line.text);
    if (this.pending && (starts || this.pending.bytes + 1 + bytes > this.maxEventBytes)) out.push(...this.flush());
    if (this.pending) {
      this.pending.parts.push(line.text);
      this.pending.bytes += 1 + bytes;
      this.pending.end = line.end;
    } else {
      this.pending = { parts: [line.text], bytes, timestamp: line.at, start: line.start, end: line.end };
    }
    return out;
  }

  /** Completes the event being gathered, if any. */
  flush(): FramedEvent[] {
    const p = this.pending;
    this.pending = undefined;
    if (!p) return [];
    const message = p.parts.join('\n');
    return message === '' ? [] : [{ message, timestamp: p.timestamp, start: p.start, end: p.end }];
  }

  /** When the event being gathered started (its first line was read), if one is. */
  get pendingSince(): number | undefined {
    return this.pending?.timestamp;
  }
}

/**
 * Complete lines of `chunk` (bytes of a file from `offset`): each ends at a newline, or is cut at
 * `maxLineBytes` (on a character boundary) when it runs longer. `final` takes a last unterminated
 * line too (the container has exited). Returns the lines and how many bytes they used.
 */
export function splitLines(chunk: Buffer, offset: number, at: number, final: boolean, maxLineBytes = MAX_EVENT_BYTES): { lines: Line[]; used: number } {
  const lines: Line[] = [];
  let pos = 0;
  while (pos < chunk.length) {
    const nl = chunk.indexOf(0x0a, pos);
    const limit = pos + maxLineBytes;
    if (nl !== -1 && nl < limit) {
      const text = chunk.toString('utf8', pos, nl).replace(/\r$/, '');
      lines.push({ text, start: offset + pos, end: offset + nl + 1, at });
      pos = nl + 1;
    } else if (chunk.length > limit) {
      let cut = limit;
      while (cut > pos && (chunk[cut]! & 0xc0) === 0x80) cut--; // not inside a UTF-8 sequence
      if (cut === pos) cut = limit; // not UTF-8 at all: cut anywhere rather than never
      lines.push({ text: chunk.toString('utf8', pos, cut), start: offset + pos, end: offset + cut, at });
      pos = cut;
    } else if (final) {
      lines.push({ text: chunk.toString('utf8', pos), start: offset + pos, end: offset + chunk.length, at });
      pos = chunk.length;
    } else {
      break;
    }
  }
  return { lines, used: pos };
}

/** Events framed from a file, ready to ship: a batch (with source offsets) and where each event ends in the file. */
export interface FramedRun {
  readonly events: EventBatch;
  /** Where each event ends in the source (its newline included): the watermark once it is shipped. */
  readonly sourceEnds: readonly number[];
}

/**
 * One event per non-empty line of `chunk` (bytes of a file from `offset`), framed on the bytes: no
 * string or object per line. The same lines as splitLines (a trailing CR dropped, a line longer than
 * `maxLineBytes` cut on a character boundary, `final` takes an unterminated last line), each
 * stamped `at`. Returns the run and how many bytes it used.
 */
export function frameLines(chunk: Buffer, offset: number, at: number, final: boolean, maxLineBytes = MAX_EVENT_BYTES): { run: FramedRun; used: number } {
  const n = chunk.length;
  const data = Buffer.allocUnsafe(n);
  const offsets: number[] = [];
  const ends: number[] = [];
  const sourceEnds: number[] = [];
  let w = 0; // bytes written to data
  let start = 0; // the line's first byte in chunk
  let lineStart = 0; // where the line's bytes begin in data
  let used = 0;
  // One pass copying every byte but newlines: lines are short, a JS loop beats a native call per line.
  for (let p = 0; p < n; p++) {
    const c = chunk[p]!;
    if (p - start >= maxLineBytes) {
      // Too long: cut on a character boundary, the rest starts the next line.
      let cut = p;
      while (cut > start && (chunk[cut]! & 0xc0) === 0x80) cut--;
      if (cut === start) cut = p; // not UTF-8 at all: cut anywhere rather than never
      w = lineStart + (cut - start);
      if (w > lineStart) {
        offsets.push(offset + start);
        ends.push(w);
        sourceEnds.push(offset + cut);
        lineStart = w;
      }
      start = used = cut;
      p = cut - 1;
      continue;
    }
    if (c === 0x0a) {
      if (w > lineStart && data[w - 1] === 0x0d) w--;
      if (w > lineStart) {
        offsets.push(offset + start);
        ends.push(w);
        sourceEnds.push(offset + p + 1);
        lineStart = w;
      }
      start = used = p + 1;
      continue;
    }
    data[w++] = c;
  }
  if (final && start < n) {
    offsets.push(offset + start);
    ends.push(w);
    sourceEnds.push(offset + n);
    used = n;
  } else {
    w = lineStart;
  }
  const timestamps = new Array<number>(ends.length).fill(at);
  return { run: { events: { timestamps, offsets, ends, data: data.subarray(0, w) }, sourceEnds }, used };
}

/** Framed events as a run. */
export function runOf(events: readonly FramedEvent[]): FramedRun {
  return { events: batchOf(events.map((e) => ({ timestamp: e.timestamp, message: e.message, offset: e.start }))), sourceEnds: events.map((e) => e.end) };
}
