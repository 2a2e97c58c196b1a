/**
 * Ships one container's stdout and stderr to its awslogs stream, exactly once.
 *
 * The container writes to files; the shipper reads them from where it left off, frames events
 * (event-framer.ts) and sends them with the byte range they came from. The control plane keeps,
 * per stream and source, the offset it has ingested up to and drops anything below it, in the same
 * transaction as the append; the shipper records the offset after each acknowledged batch. So a
 * crash at any point — before the send, after it, before the record — resends at most what the
 * server then ignores: no line lost, none twice.
 *
 * `sync()` first asks the server where each source stands (it also creates the stream, and the
 * group when allowed: a task whose group is missing fails before its containers start, as on ECS).
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ShipLogsRequest, ShipLogsResponse, LogSource } from '../../protocol/agent.js';
import { EMPTY_BATCH, slice } from '../../logs/event-batch.js';
import { EventFramer, frameLines, runOf, splitLines, type FramedEvent, type FramedRun } from './event-framer.js';

/** How long a multi-line event may wait for its next line before it is sent as it is (Docker: 5 s). */
export const MULTILINE_FLUSH_MS = 5_000;
/** Small enough that a chunk's arrays and buffers stay in the young generation (fresh large allocations cost page faults). */
const READ_CHUNK_BYTES = 1 << 16;
/**
 * A request's batch: the server takes it in one transaction as blocks (PutLogEvents' per-call limits
 * do not apply to this path). Its binary body (20 bytes per event and the messages) stays under
 * the server's 2 MiB body limit.
 */
const BATCH_EVENTS = 8_192;
const BATCH_BODY_BYTES = 1_900_000;
const BODY_BYTES_PER_EVENT = 20;
const OFFSETS_FILE = 'awslogs-offsets.json';
/** {"stdout":N,"stderr":N} with two 16-digit offsets is 44 bytes. */
const OFFSETS_RECORD_BYTES = 96;
const SAVE_EVERY_MS = 1_000;

export interface ShipperOptions {
  readonly taskArn: string;
  readonly containerName: string;
  /** The container dir holding `stdout` and `stderr`. */
  readonly dir: string;
  readonly startPattern: RegExp | undefined;
  readonly ship: (req: ShipLogsRequest) => Promise<ShipLogsResponse>;
  readonly now: () => number;
}

interface SourceState {
  readonly name: LogSource;
  readonly framer: EventFramer;
  /** Everything before this is ingested. */
  shipped: number;
  /** Read up to here (lines of a pending multi-line event, past `shipped`). */
  read: number;
  /** Completed events not yet acknowledged, oldest first; `head` of the first run are gone. */
  queue: FramedRun[];
  head: number;
}

const NOTHING = Buffer.alloc(0);

export class ContainerLogShipper {
  private readonly sources: SourceState[];
  private synced = false;
  private dirMade = false;
  private savedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: ShipperOptions) {
    const saved = this.loadOffsets();
    this.sources = (['stdout', 'stderr'] as const).map((name) => ({
      name, framer: new EventFramer(o.startPattern), shipped: saved[name] ?? 0, read: saved[name] ?? 0, queue: [], head: 0,
    }));
  }

  /** Learns where the server stands for each source; creates the stream (and group, if allowed). Throws what the server refuses. */
  async sync(): Promise<void> {
    for (const s of this.sources) {
      const { watermark } = await this.o.ship({ taskArn: this.o.taskArn, containerName: this.o.containerName, source: s.name, fromOffset: s.shipped, toOffset: s.shipped, events: EMPTY_BATCH });
      if (watermark > s.shipped) {
        s.shipped = watermark;
        s.read = watermark;
      }
    }
    this.synced = true;
    this.saveOffsets();
  }

  /**
   * Reads what is new and sends the completed events. `final` (the container has exited) also
   * sends an unterminated last line and the event being gathered. Returns whether it read a full
   * chunk (more may be waiting).
   */
  async pump(final = false): Promise<boolean> {
    if (!this.synced) await this.sync();
    let more = false;
    for (const s of this.sources) {
      const now = this.o.now();
      const chunk = this.readFrom(s.name, s.read);
      const last = final && chunk.length < READ_CHUNK_BYTES;
      if (!this.o.startPattern) {
        // One event per line: framed on the bytes.
        const { run, used } = frameLines(chunk, s.read, now, last);
        s.read += used;
        if (run.sourceEnds.length > 0) s.queue.push(run);
      } else {
        const { lines, used } = splitLines(chunk, s.read, now, last);
        s.read += used;
        const framed: FramedEvent[] = [];
        for (const line of lines) framed.push(...s.framer.push(line));
        const since = s.framer.pendingSince;
        if (last || (since !== undefined && now - since >= MULTILINE_FLUSH_MS)) framed.push(...s.framer.flush());
        if (framed.length > 0) s.queue.push(runOf(framed));
      }
      if (chunk.length === READ_CHUNK_BYTES) more = true;
      await this.send(s);
    }
    return more;
  }

  /** Pumps until everything written so far is shipped (the container has exited). */
  async drain(): Promise<void> {
    while (await this.pump(true));
    this.saveOffsets();
  }

  private async send(s: SourceState): Promise<void> {
    while (s.queue.length > 0) {
      const run = s.queue[0]!;
      const { ends } = run.events;
      const from = s.head;
      let to = from;
      const base = from === 0 ? 0 : ends[from - 1]!;
      while (to < ends.length && to - from < BATCH_EVENTS) {
        if (to > from && ends[to]! - base + (to + 1 - from) * BODY_BYTES_PER_EVENT > BATCH_BODY_BYTES) break;
        to++;
      }
      const toOffset = run.sourceEnds[to - 1]!;
      const { watermark } = await this.o.ship({
        taskArn: this.o.taskArn, containerName: this.o.containerName, source: s.name, fromOffset: s.shipped, toOffset, events: slice(run.events, from, to),
      });
      if (to === ends.length) {
        s.queue.shift();
        s.head = 0;
      } else {
        s.head = to;
      }
      s.shipped = Math.max(toOffset, watermark);
      this.saveOffsets(false);
    }
  }

  /** Chunks are framed (copied) before the next read: one buffer serves every read. */
  private readonly chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);

  private readFrom(source: LogSource, offset: number): Buffer {
    let fd: number;
    try {
      fd = openSync(join(this.o.dir, source), 'r');
    } catch {
      return NOTHING;
    }
    try {
      // Most pumps find nothing new: ask the size first rather than allocate a chunk to learn it.
      const size = fstatSync(fd).size;
      if (size <= offset) return NOTHING;
      const want = Math.min(size - offset, READ_CHUNK_BYTES);
      const n = readSync(fd, this.chunk, 0, want, offset);
      return this.chunk.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  }

  private loadOffsets(): Partial<Record<LogSource, number>> {
    try {
      return JSON.parse(readFileSync(join(this.o.dir, OFFSETS_FILE), 'utf8')) as Partial<Record<LogSource, number>>;
    } catch {
      return {};
    }
  }

  /**
   * Records how far each source is shipped; while shipping, at most every SAVE_EVERY_MS. The
   * server's watermark is what makes shipping exactly once (sync() adopts it); this record only
   * spares resending after a restart, so it is written in place: a torn one reads as nothing and the
   * server's watermark decides. (Replacing it by rename, or truncating it, made ext4 flush it: ~5 ms each.)
   */
  private saveOffsets(always = true): void {
    const now = this.o.now();
    if (!always && now - this.savedAt < SAVE_EVERY_MS) return;
    this.savedAt = now;
    if (!this.dirMade) {
      mkdirSync(this.o.dir, { recursive: true });
      this.dirMade = true;
    }
    // Overwritten, never truncated (ext4 flushes a file truncated to nothing and written again), at a
    // fixed width longer than any record: JSON.parse ignores the padding.
    const record = JSON.stringify(Object.fromEntries(this.sources.map((s) => [s.name, s.shipped]))).padEnd(OFFSETS_RECORD_BYTES);
    const fd = openSync(join(this.o.dir, OFFSETS_FILE), constants.O_WRONLY | constants.O_CREAT, 0o644);
    try {
      writeSync(fd, record, 0);
    } finally {
      closeSync(fd);
    }
  }
}
