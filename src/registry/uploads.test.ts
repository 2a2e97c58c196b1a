import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, test } from 'node:test';
import { ManualClock } from '../lib/clock.js';
import { BlobStore } from './blob-store.js';
import { DistributionError } from './distribution-errors.js';
import { UploadSessions } from './uploads.js';

let dir: string;
let blobs: BlobStore;
let clock: ManualClock;
let uploads: UploadSessions;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pier-uploads-'));
  blobs = new BlobStore(join(dir, 'blobs'));
  clock = new ManualClock();
  uploads = new UploadSessions(join(dir, 'uploads'), blobs, clock);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const digest = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const body = (b: Buffer | string): Readable => Readable.from([Buffer.from(b)]);

async function rejects(p: Promise<unknown>, code: string, status?: number): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DistributionError, String(err));
    assert.equal(err.code, code);
    if (status !== undefined) assert.equal(err.status, status);
    return true;
  });
}

test('chunks in order, then a digest-checked completion, store the blob whole', async () => {
  const content = Buffer.from('hello, chunked world');
  const { id } = await uploads.start('web');
  assert.deepEqual(await uploads.append('web', id, body(content.subarray(0, 5)), { start: 0, end: 4 }), { offset: 5 });
  assert.deepEqual(await uploads.append('web', id, body(content.subarray(5, 12))), { offset: 12 });
  assert.deepEqual(await uploads.status('web', id), { offset: 12 });
  const done = await uploads.complete('web', id, digest(content), body(content.subarray(12)));
  assert.deepEqual(done, { digest: digest(content), size: content.length });
  assert.deepEqual(readFileSync(blobs.path(digest(content))), content);
  assert.deepEqual(readdirSync(join(dir, 'uploads')), [], 'the session is gone');
  await rejects(uploads.status('web', id), 'BLOB_UPLOAD_UNKNOWN', 404);
});

test('a chunk that does not start at the offset is refused with 416 and changes nothing', async () => {
  const { id } = await uploads.start('web');
  await uploads.append('web', id, body('abc'));
  await rejects(uploads.append('web', id, body('xyz'), { start: 5, end: 7 }), 'RANGE_INVALID', 416);
  assert.deepEqual(await uploads.status('web', id), { offset: 3 });
  const done = await uploads.complete('web', id, digest(Buffer.from('abcdef')), body('def'), { start: 3, end: 5 });
  assert.equal(done.size, 6);
});

test('a Content-Range whose length differs from the body is SIZE_INVALID and the chunk is forgotten', async () => {
  const { id } = await uploads.start('web');
  await uploads.append('web', id, body('abc'));
  await rejects(uploads.append('web', id, body('de'), { start: 3, end: 9 }), 'SIZE_INVALID', 400);
  assert.deepEqual(await uploads.status('web', id), { offset: 3 });
  // The running hash was dropped with the bad chunk: completion hashes the file and still gets it right.
  await uploads.append('web', id, body('de'));
  assert.equal((await uploads.complete('web', id, digest(Buffer.from('abcde')))).size, 5);
});

test('a wrong digest is DIGEST_INVALID, nothing is stored and the session ends', async () => {
  const { id } = await uploads.start('web');
  await uploads.append('web', id, body('abc'));
  const wrong = digest(Buffer.from('not abc'));
  await rejects(uploads.complete('web', id, wrong), 'DIGEST_INVALID', 400);
  assert.equal(await blobs.size(wrong), undefined);
  assert.equal(await blobs.size(digest(Buffer.from('abc'))), undefined);
  await rejects(uploads.status('web', id), 'BLOB_UPLOAD_UNKNOWN');
});

test('a malformed digest is DIGEST_INVALID and the upload stays open', async () => {
  const { id } = await uploads.start('web');
  await rejects(uploads.complete('web', id, 'md5:abc'), 'DIGEST_INVALID');
  await rejects(uploads.complete('web', id, null), 'DIGEST_INVALID');
  assert.deepEqual(await uploads.status('web', id), { offset: 0 });
});

test('a session belongs to its repository', async () => {
  const { id } = await uploads.start('web');
  await rejects(uploads.append('other', id, body('x')), 'BLOB_UPLOAD_UNKNOWN');
  await rejects(uploads.status('web', 'not-a-uuid'), 'BLOB_UPLOAD_UNKNOWN');
});

test('a session survives a restart: offset from the file, digest from re-reading it', async () => {
  const { id } = await uploads.start('web');
  await uploads.append('web', id, body('first half '));
  const restarted = new UploadSessions(join(dir, 'uploads'), blobs, clock);
  assert.deepEqual(await restarted.status('web', id), { offset: 11 });
  await restarted.append('web', id, body('second half'), { start: 11, end: 21 });
  const content = Buffer.from('first half second half');
  assert.equal((await restarted.complete('web', id, digest(content))).digest, digest(content));
  assert.deepEqual(readFileSync(blobs.path(digest(content))), content);
});

test('cancel removes the session; purge removes only old sessions', async () => {
  const a = await uploads.start('web');
  await uploads.cancel('web', a.id);
  await rejects(uploads.status('web', a.id), 'BLOB_UPLOAD_UNKNOWN');
  const old = await uploads.start('web');
  clock.advance(3600_000);
  const fresh = await uploads.start('web');
  assert.equal(await uploads.purge(1800_000), 1);
  await rejects(uploads.status('web', old.id), 'BLOB_UPLOAD_UNKNOWN');
  assert.deepEqual(await uploads.status('web', fresh.id), { offset: 0 });
});

test('a body that fails half-way leaves the offset where it was', async () => {
  const { id } = await uploads.start('web');
  await uploads.append('web', id, body('abc'));
  const broken = new Readable({
    read() {
      this.push(Buffer.from('partial'));
      this.destroy(new Error('client went away'));
    },
  });
  await assert.rejects(uploads.append('web', id, broken), /client went away/);
  assert.deepEqual(await uploads.status('web', id), { offset: 3 });
  assert.equal((await uploads.complete('web', id, digest(Buffer.from('abc')))).size, 3);
});
