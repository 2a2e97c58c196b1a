/**
 * Blob upload sessions (the distribution API's POST / PATCH / PUT on `blobs/uploads/`).
 *
 * A session is a directory `<root>/<uuid>/` holding `session.json` (its repository and start
 * time) and `data` (the bytes received so far; its length is the session's offset). Chunks must
 * arrive in order: a chunk whose Content-Range does not start at the offset is refused with 416
 * and changes nothing. The sha256 of the bytes is kept running (hasher.ts) while the process lives;
 * after a restart, or once a chunk failed half-way, completion hashes the file instead.
 * Completion checks the digest the client names (DIGEST_INVALID on mismatch, and the session is
 * dropped) and moves the file into the blob store. Bytes stream to disk; nothing buffers a layer.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Clock } from '../lib/clock.js';
import type { BlobStore } from './blob-store.js';
import { digestOfFile, parseDigest } from './digest.js';
import { Hasher, type RunningHash } from './hasher.js';
import { DistributionError } from './distribution-errors.js';

interface Session {
  readonly id: string;
  readonly repository: string;
  readonly startedAt: number;
  offset: number;
  /** The running sha256 of bytes [0, offset), when it is known to be exactly that. */
  hash: RunningHash | undefined;
  busy: boolean;
}

export interface ChunkRange { start: number; end: number }

const WRITE_BATCH = 1 << 20;
/**
 * Blobs are fsynced when their upload completes; flushing what has arrived every so often while
 * the rest is still arriving overlaps that writeback with the transfer, leaving little to wait for.
 */
const DATASYNC_EVERY = 32 << 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class UploadSessions {
  private readonly live = new Map<string, Session>();

  constructor(private readonly root: string, private readonly blobs: BlobStore, private readonly clock: Clock, private readonly hasher = new Hasher()) {
    mkdirSync(root, { recursive: true });
  }

  async start(repository: string): Promise<{ id: string; offset: number }> {
    const id = randomUUID();
    const startedAt = this.clock.now();
    mkdirSync(join(this.root, id));
    await writeFile(this.dataPath(id), '');
    await writeFile(join(this.root, id, 'session.json'), JSON.stringify({ repository, startedAt }));
    this.live.set(id, { id, repository, startedAt, offset: 0, hash: this.hasher.start(), busy: false });
    return { id, offset: 0 };
  }

  /** The session's offset (bytes received); BLOB_UPLOAD_UNKNOWN for an unknown id or another repository's. */
  async status(repository: string, id: string): Promise<{ offset: number }> {
    return { offset: (await this.session(repository, id)).offset };
  }

  /** Appends a chunk; returns the new offset. `range` (from Content-Range) must start at the offset. */
  async append(repository: string, id: string, body: Readable, range?: ChunkRange): Promise<{ offset: number }> {
    const s = await this.claim(repository, id);
    try {
      await this.write(s, body, range);
      return { offset: s.offset };
    } finally {
      s.busy = false;
    }
  }

  /** Appends the last chunk (if any), checks `digest` and stores the blob; the session ends. */
  async complete(repository: string, id: string, digest: string | null, body?: Readable, range?: ChunkRange): Promise<{ digest: string; size: number }> {
    const s = await this.claim(repository, id);
    try {
      parseDigest(digest);
      if (body) await this.write(s, body, range);
      const running = s.hash;
      s.hash = undefined;
      const actual = (running ? await running.digest().catch(() => undefined) : undefined) ?? await digestOfFile(this.dataPath(id));
      if (actual !== digest) {
        await this.drop(id);
        throw new DistributionError('DIGEST_INVALID', `the uploaded content's digest is ${actual}, not ${digest}`, { expected: digest, actual });
      }
      await this.blobs.adopt(this.dataPath(id), digest);
      await this.drop(id);
      return { digest, size: s.offset };
    } finally {
      s.busy = false;
    }
  }

  async cancel(repository: string, id: string): Promise<void> {
    await this.claim(repository, id);
    await this.drop(id);
  }

  async clear(): Promise<void> {
    for (const id of await readdir(this.root)) await this.drop(id);
  }

  /** Removes sessions started more than `maxAgeMs` ago (abandoned pushes). */
  async purge(maxAgeMs: number): Promise<number> {
    let removed = 0;
    for (const id of await readdir(this.root)) {
      const started = this.live.get(id)?.startedAt ?? (await this.load(id))?.startedAt ?? 0;
      if (this.clock.now() - started > maxAgeMs && !this.live.get(id)?.busy) {
        await this.drop(id);
        removed++;
      }
    }
    return removed;
  }

  private async write(s: Session, body: Readable, range: ChunkRange | undefined): Promise<void> {
    if (range && range.start !== s.offset) {
      body.resume();
      throw new DistributionError('RANGE_INVALID', `the chunk starts at ${range.start}, but the upload has ${s.offset} bytes`, { offset: s.offset });
    }
    const before = s.offset;
    let written = 0;
    try {
      written = await appendToFile(this.dataPath(s.id), before, body, s.hash);
      if (range && range.end - range.start + 1 !== written) {
        throw new DistributionError('SIZE_INVALID', `Content-Range says ${range.end - range.start + 1} bytes, the body had ${written}`);
      }
    } catch (err) {
      // The chunk did not arrive whole: forget it, so the client can resend from the old offset.
      s.hash?.discard();
      s.hash = undefined;
      await truncate(this.dataPath(s.id), before);
      throw err;
    }
    s.offset = before + written;
  }

  private async claim(repository: string, id: string): Promise<Session> {
    const s = await this.session(repository, id);
    if (s.busy) throw new DistributionError('BLOB_UPLOAD_INVALID', `upload ${id} is receiving another request`);
    s.busy = true;
    return s;
  }

  private async session(repository: string, id: string): Promise<Session> {
    const s = this.live.get(id) ?? (await this.load(id));
    if (!s || s.repository !== repository) throw new DistributionError('BLOB_UPLOAD_UNKNOWN', `no upload ${id} in repository ${repository}`);
    return s;
  }

  private async load(id: string): Promise<Session | undefined> {
    if (!UUID.test(id)) return undefined;
    try {
      const meta = JSON.parse(await readFile(join(this.root, id, 'session.json'), 'utf8')) as { repository: string; startedAt: number };
      const offset = (await stat(this.dataPath(id))).size;
      const s: Session = { id, repository: meta.repository, startedAt: meta.startedAt, offset, hash: undefined, busy: false };
      this.live.set(id, s);
      return s;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  private async drop(id: string): Promise<void> {
    this.live.get(id)?.hash?.discard();
    this.live.delete(id);
    await rm(join(this.root, id), { recursive: true, force: true });
  }

  private dataPath(id: string): string {
    return join(this.root, id, 'data');
  }
}

/**
 * Writes a body at `position`, hashing it on the way (on the hasher's thread). Chunks are gathered into writes of about
 * 1 MiB with one write in flight while the next is gathered: fewer, larger writes and no stream
 * plumbing (this is most of a push's CPU). Returns the bytes written.
 */
async function appendToFile(path: string, position: number, body: Readable, hash: RunningHash | undefined): Promise<number> {
  const fh = await open(path, 'r+');
  let at = position;
  let batch: Buffer[] = [];
  let batchBytes = 0;
  let inFlight: Promise<void> = Promise.resolve();
  let syncing: Promise<void> = Promise.resolve();
  let unsynced = 0;
  const flush = (): void => {
    const buffers = batch;
    const bytes = batchBytes;
    const offset = at;
    at += bytes;
    batch = [];
    batchBytes = 0;
    hash?.update(buffers, bytes);
    inFlight = fh.writev(buffers, offset).then((r) => {
      if (r.bytesWritten !== bytes) throw new Error(`short write: ${r.bytesWritten} of ${bytes} bytes`);
      unsynced += bytes;
      if (unsynced >= DATASYNC_EVERY) {
        unsynced = 0;
        // One at a time; a failure here is met again by the fsync at completion.
        syncing = syncing.then(() => fh.datasync()).catch(() => undefined);
      }
    });
  };
  try {
    for await (const chunk of body) {
      const c = chunk as Buffer;
      batch.push(c);
      batchBytes += c.length;
      if (batchBytes >= WRITE_BATCH) {
        await inFlight;
        flush();
      }
    }
    await inFlight;
    if (batchBytes > 0) flush();
    await inFlight;
  } finally {
    await inFlight.catch(() => undefined);
    await syncing;
    await fh.close();
  }
  return at - position;
}
