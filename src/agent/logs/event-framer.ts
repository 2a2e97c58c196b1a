/**
 * Lines of a container's output into CloudWatch Logs events, as Docker's awslogs driver frames
 * them: one event per line, or, with a start pattern (awslogs-multiline-pattern, or
 * awslogs-datetime-format turned into one), one event from each line matching the pattern up to the
 * next, lines joined by newlines. Empty single-line events are dropped (CloudWatch refuses empty
 * messages); an event is cut at CloudWatch's size limit. Every event keeps the byte range of the
 * file it came from, so shipping can resume exactly at an event boundary.
 */

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
