/**
 * Unpacks one layer while it downloads. One pass over the compressed stream:
 *
 *   source ─┬─ sha256 (blob digest)
 *           ├─ temp blob file (the content store commits it after verification)
 *           └─ decompress (gzip: FastGunzip, zlib's raw inflate on the thread pool without the
 *              CRC pass; zstd: zlib when node has it, else `zstd -dc`; none)
 *                                      ─┬─ sha256 (diffID; for uncompressed layers the blob digest)
 *                                      ├─ TarScanner (whiteouts, content size)
 *                                      └─ GNU tar -x into the destination (a temp dir)
 *
 * Nothing is trusted until the end: the caller renames the destination into the layer cache and
 * the blob into the content store only when this resolves, i.e. after the blob digest, the diffID
 * and tar's exit status were all checked. When the blob digest is wrong the error says so even if
 * decompression failed first (a flipped byte usually breaks gzip before the digest is known).
 *
 * Whiteouts: `.wh.*` members are not extracted (tar --exclude); afterwards a small fixup archive
 * made here turns them into overlayfs form with the same tar: `.wh.<name>` → character device 0:0
 * `<name>`, `<dir>/.wh..wh..opq` → xattr trusted.overlay.opaque=y on `<dir>`. So no mknod or
 * setfattr binary is needed, only GNU tar. Needs root (device nodes, trusted.* xattrs, chown).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { posix } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import * as zlib from 'node:zlib';
import { FastGunzip } from './fast-gunzip.js';
import { spawnTar, type TarExtractor } from './tar-pool.js';
import { OPAQUE_MARKER, TarScanner, WHITEOUT_PREFIX, normalizeMemberPath, tarEnd, tarHeader } from './tar.js';

export type UnpackErrorKind = 'blob-digest' | 'blob-size' | 'diff-id' | 'decompress' | 'tar' | 'source' | 'write';

export class UnpackError extends Error {
  override readonly name = 'UnpackError';
  constructor(readonly kind: UnpackErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export type Compression = 'gzip' | 'zstd' | 'none';
export type GzipImpl = 'fast' | 'zlib' | 'cli';

export interface UnpackInput {
  /** The blob's bytes as stored (compressed or not). */
  source: Readable;
  /** Verified against the bytes read; omit when the source is already verified (from the content store). */
  expectedDigest?: string;
  /** Fail as soon as the source sends more than this (the manifest's size). */
  expectedSize?: number;
  /** The config's rootfs.diff_ids entry: sha256 of the uncompressed tar. */
  expectedDiffId: string;
  /** Where to write the blob while streaming (a temp path); omit to not keep it. */
  blobTempPath?: string;
  /** Where to extract: a tar process from a TarPool (with its own empty directory), or an existing empty directory. */
  extractor?: TarExtractor;
  destDir?: string;
  /** gzip implementation: FastGunzip (default; no CRC pass, the diffID is checked), node's Gunzip, or the gzip program. */
  gzip?: GzipImpl;
}

export interface UnpackResult {
  blobDigest: string;
  blobSize: number;
  diffId: string;
  compression: Compression;
  /** Sum of regular file sizes in the layer. */
  contentBytes: number;
  entries: number;
  whiteouts: number;
  opaqueDirs: number;
  /** Milliseconds from the call: last source byte read, decompression done, tar done, whiteouts done. */
  timings: { sourceEnd: number; decompressed: number; extracted: number; done: number };
}

export const TAR_EXTRACT: readonly string[] = [
  // 128 KiB records, reassembled from pipe reads (-B): about half the system time of the default 10 KiB.
  '-x', '-f', '-', '-b', '256', '-B', '--numeric-owner', '--same-owner', '-p',
  // Keep file capabilities and user xattrs from images; never trusted.* (overlayfs's own namespace).
  '--xattrs', '--xattrs-include=security.capability', '--xattrs-include=user.*',
  '--exclude=.wh.*',
  '--warning=no-timestamp', '--warning=no-unknown-keyword',
];

export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

interface Decompressor {
  input: Writable;
  output: Readable;
  /** Resolves when the decompressor is finished (process exited or stream ended); rejects on failure. */
  done: Promise<void>;
  kill(): void;
}

function processDecompressor(cmd: string, args: string[], name: string): Decompressor {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { if (stderr.length < 4096) stderr += d.toString(); });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`${name} could not start (${cmd}): ${err.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${name} failed: ${stderr.trim() || (signal ? `killed by ${signal}` : `exit code ${code}`)}`));
    });
  });
  child.stdin!.on('error', () => undefined); // EPIPE when it dies early: reported through `done`
  return { input: child.stdin!, output: child.stdout!, done, kill: () => child.kill('SIGKILL') };
}

function streamDecompressor(t: zlib.Gunzip | PassThrough | FastGunzip, name: string): Decompressor {
  const done = new Promise<void>((resolve, reject) => {
    t.once('end', resolve);
    t.once('error', (err) => reject(new Error(`${name} failed: ${err.message}`)));
    t.once('close', () => reject(new Error(`${name} was stopped`))); // no-op after 'end' or 'error'
  });
  return { input: t, output: t, done, kill: () => t.destroy() };
}

type ZlibWithZstd = typeof zlib & { createZstdDecompress?: (opts?: object) => zlib.Gunzip };

function decompressorFor(c: Compression, gzipImpl: GzipImpl): Decompressor {
  if (c === 'gzip') {
    if (gzipImpl === 'cli') return processDecompressor('gzip', ['-dc'], 'gzip decompression');
    if (gzipImpl === 'zlib') return streamDecompressor(zlib.createGunzip({ chunkSize: 256 * 1024 }), 'gzip decompression');
    return streamDecompressor(new FastGunzip(), 'gzip decompression');
  }
  if (c === 'zstd') {
    const z = zlib as ZlibWithZstd;
    if (typeof z.createZstdDecompress === 'function') return streamDecompressor(z.createZstdDecompress(), 'zstd decompression');
    return processDecompressor('zstd', ['-dc', '-q', '--no-progress'], 'zstd decompression');
  }
  return streamDecompressor(new PassThrough({ highWaterMark: 256 * 1024 }), 'read');
}

function waitWritable(w: Writable): Promise<void> {
  if (!w.writableNeedDrain || w.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      w.off('drain', done);
      w.off('close', done);
      w.off('error', done);
      resolve();
    };
    w.on('drain', done);
    w.on('close', done);
    w.on('error', done);
  });
}

export async function unpackLayer(input: UnpackInput): Promise<UnpackResult> {
  const t0 = performance.now();
  const since = (): number => Math.round((performance.now() - t0) * 10) / 10;
  const blobHash = createHash('sha256');
  const diffHash = createHash('sha256');
  let blobSize = 0;
  const whiteouts: string[] = [];
  const opaque: string[] = [];
  const scanner = new TarScanner((e) => {
    const p = normalizeMemberPath(e.path);
    const base = posix.basename(p);
    if (!base.startsWith(WHITEOUT_PREFIX)) return;
    const dir = posix.dirname(p) === '.' ? '' : posix.dirname(p);
    if (base === OPAQUE_MARKER) opaque.push(dir);
    else if (!base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) whiteouts.push(posix.join(dir, base.slice(WHITEOUT_PREFIX.length)));
  });
  let scanError: unknown;

  const file: WriteStream | undefined = input.blobTempPath ? createWriteStream(input.blobTempPath, { highWaterMark: 1 << 20 }) : undefined;
  let fileError: unknown;
  const fileClosed = file ? new Promise<void>((resolve) => file.once('close', resolve)) : Promise.resolve();
  file?.on('error', (err) => { fileError = err; });

  if (!input.extractor && !input.destDir) throw new Error('unpackLayer needs an extractor or a destDir');
  const tar: TarExtractor = input.extractor ?? spawnTar(TAR_EXTRACT, input.destDir!);
  const destDir = tar.dir;
  const tarIn = tar.stdin;

  let decomp: Decompressor | undefined;
  let decompError: unknown;
  let compression: Compression = 'none';
  let decompDone: Promise<void> = Promise.resolve();

  const startDecompressor = (head: Buffer): void => {
    compression = sniffCompression(head);
    decomp = decompressorFor(compression, input.gzip ?? 'fast');
    const d = decomp;
    const hashOutput = compression !== 'none'; // uncompressed: the diffID is the blob digest
    d.output.on('data', (chunk: Buffer) => {
      if (hashOutput) diffHash.update(chunk);
      if (scanError === undefined) {
        try {
          scanner.push(chunk);
        } catch (err) {
          scanError = err;
        }
      }
      if (!tarIn.destroyed && tarIn.writable && !tarIn.write(chunk)) {
        d.output.pause();
        void waitWritable(tarIn).then(() => d.output.resume());
      }
    });
    decompDone = d.done.catch((err) => {
      decompError = err;
      d.kill();
    });
  };

  const killAll = (): void => {
    decomp?.kill();
    tar.kill();
    file?.destroy();
  };

  // Pump the source into the hash, the blob file and the decompressor ('data' events: no promise per chunk).
  let head: Buffer | undefined = Buffer.alloc(0);
  const source = input.source;
  try {
    await new Promise<void>((resolve, reject) => {
      let ended = false;
      const fail = (err: unknown): void => {
        source.off('data', onData);
        reject(err);
      };
      const onData = (c: Buffer): void => {
        let chunk = c;
        blobSize += chunk.length;
        if (input.expectedSize !== undefined && blobSize > input.expectedSize) {
          fail(new UnpackError('blob-size', `the registry sent more than the ${input.expectedSize} bytes the manifest lists`));
          return;
        }
        blobHash.update(chunk);
        let wait: Promise<unknown> | undefined;
        if (file && fileError === undefined && !file.write(chunk)) wait = waitWritable(file);
        if (head !== undefined) {
          head = Buffer.concat([head, chunk]);
          if (head.length < 8) return;
          chunk = head;
          head = undefined;
          startDecompressor(chunk);
        }
        if (decompError === undefined && decomp && !decomp.input.destroyed && !decomp.input.write(chunk)) {
          const w = waitWritable(decomp.input);
          wait = wait ? Promise.all([wait, w]) : w;
        }
        if (wait) {
          source.pause();
          void wait.then(() => source.resume());
        }
      };
      source.on('data', onData);
      source.once('end', () => {
        ended = true;
        resolve();
      });
      source.once('error', fail);
      source.once('close', () => {
        if (!ended) fail(new Error('the connection closed before the whole blob was received'));
      });
    });
  } catch (err) {
    killAll();
    source.destroy();
    await Promise.allSettled([decompDone, tar.exit, fileClosed]);
    if (err instanceof UnpackError) throw err;
    throw new UnpackError('source', (err as Error)?.message ?? String(err), { cause: err });
  }
  if (head !== undefined) startDecompressor(head); // a blob shorter than 8 bytes
  if (head !== undefined && head.length > 0 && decomp) decomp.input.write(head);
  decomp!.input.end();
  file?.end();
  const sourceEnd = since();

  await decompDone;
  const decompressed = since();
  tarIn.end();
  const [tarResult] = await Promise.all([tar.exit, fileClosed]);
  const extracted = since();

  const blobDigest = `sha256:${blobHash.digest('hex')}`;
  const diffId = compression === 'none' ? blobDigest : `sha256:${diffHash.digest('hex')}`;
  if (input.expectedDigest !== undefined && blobDigest !== input.expectedDigest) {
    throw new UnpackError('blob-digest', `digest mismatch: the content has digest ${blobDigest}, the manifest says ${input.expectedDigest}`);
  }
  if (fileError !== undefined) throw new UnpackError('write', `writing the blob failed: ${(fileError as Error).message}`, { cause: fileError });
  if (decompError !== undefined) {
    throw new UnpackError('decompress', `${(decompError as Error).message} (the blob's digest is right, so the image was pushed broken)`, { cause: decompError });
  }
  if (diffId !== input.expectedDiffId) {
    throw new UnpackError('diff-id', `diffID mismatch: the uncompressed layer has digest ${diffId}, the image config says ${input.expectedDiffId}`);
  }
  if (tarResult.code !== 0) throw new UnpackError('tar', `tar failed (exit ${tarResult.code}): ${tarResult.stderr || 'no message'}`);
  if (scanError !== undefined) throw new UnpackError('tar', `the layer is not a valid tar archive: ${(scanError as Error).message}`);

  if (whiteouts.length || opaque.length) await applyWhiteouts(destDir, whiteouts, opaque);
  return {
    blobDigest, blobSize, diffId, compression,
    contentBytes: scanner.contentBytes, entries: scanner.entries, whiteouts: whiteouts.length, opaqueDirs: opaque.length,
    timings: { sourceEnd, decompressed, extracted, done: since() },
  };
}

/** Writes overlayfs whiteouts and opaque markers with one small tar archive extracted over the layer. */
async function applyWhiteouts(destDir: string, whiteouts: string[], opaque: string[]): Promise<void> {
  const parts: Buffer[] = [];
  for (const p of whiteouts) {
    if (p === '' || p.split('/').includes('..')) continue;
    parts.push(tarHeader({ path: p, type: 'char', mode: 0, devmajor: 0, devminor: 0 }));
  }
  for (const d of opaque) {
    if (d.split('/').includes('..')) continue;
    let mode = 0o755;
    let uid = 0;
    let gid = 0;
    let mtime = Math.floor(Date.now() / 1000);
    try {
      const st = await lstat(d === '' ? destDir : posix.join(destDir, d));
      if (!st.isDirectory()) continue;
      mode = st.mode & 0o7777;
      uid = st.uid;
      gid = st.gid;
      mtime = Math.floor(st.mtimeMs / 1000);
    } catch {
      // not created by the layer's own entries: the fixup creates it
    }
    parts.push(tarHeader({ path: d === '' ? '.' : d, type: 'dir', mode, uid, gid, mtime, xattrs: { 'trusted.overlay.opaque': 'y' } }));
  }
  parts.push(tarEnd());
  const tar = spawnTar(['-x', '-f', '-', '--numeric-owner', '--same-owner', '-p', '--xattrs', '--xattrs-include=trusted.overlay.opaque', '--warning=no-timestamp'], destDir);
  tar.stdin.end(Buffer.concat(parts));
  const r = await tar.exit;
  if (r.code !== 0) throw new UnpackError('tar', `writing overlay whiteouts failed (tar exit ${r.code}): ${r.stderr}`);
}
