import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { ManualClock } from '../lib/clock.js';
import { createLogger } from '../lib/logger.js';
import { digestOf } from './digest.js';
import { DistributionError } from './distribution-errors.js';
import { deleteReference, pushManifest, resolveImage } from './images.js';
import { MediaTypes } from '../lib/oci-media-types.js';
import { Registry } from './registry.js';

let dir: string;
let reg: Registry;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pier-images-'));
  reg = new Registry({
    dir, scope: { partition: 'aws', region: 'us-east-1', accountId: '123456789012' }, clock: new ManualClock(),
    sessionKey: randomBytes(32), agentToken: 'join', log: createLogger('error'),
  });
  for (const repositoryName of ['web', 'locked']) {
    await reg.repositories.create({
      repositoryName, createdAt: 0, imageTagMutability: repositoryName === 'locked' ? 'IMMUTABLE' : 'MUTABLE', scanOnPush: false, encryptionType: 'AES256', tags: [],
    });
  }
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function blob(repository: string, content: string): Promise<{ digest: string; size: number }> {
  const digest = await reg.blobs.put(Buffer.from(content));
  await reg.repositories.linkBlob(repository, digest);
  return { digest, size: content.length };
}

async function imageManifest(repository: string, layer: string): Promise<Buffer> {
  const config = await blob(repository, `{"config":"${layer}"}`);
  const l = await blob(repository, layer);
  return Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MediaTypes.OciManifest,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l }],
  }));
}

const code = (c: string) => (e: unknown): boolean => e instanceof DistributionError && e.code === c;

test('a manifest is stored under its tag and digest; its size is its layers', async () => {
  const bytes = await imageManifest('web', 'layer one');
  const digest = await pushManifest(reg, 'web', 'v1', bytes, MediaTypes.OciManifest);
  assert.equal(digest, digestOf(bytes));
  const byTag = await resolveImage(reg, 'web', 'v1');
  assert.equal(byTag?.digest, digest);
  assert.equal(byTag?.record.imageSizeInBytes, 'layer one'.length);
  assert.equal((await resolveImage(reg, 'web', digest))?.record.mediaType, MediaTypes.OciManifest);
});

test('references the repository does not hold are MANIFEST_BLOB_UNKNOWN; a wrong digest reference is DIGEST_INVALID', async () => {
  const bytes = await imageManifest('web', 'layer one');
  await assert.rejects(pushManifest(reg, 'locked', 'v1', bytes, undefined), code('MANIFEST_BLOB_UNKNOWN'), 'blobs of another repository');
  await assert.rejects(pushManifest(reg, 'web', digestOf(Buffer.from('other')), bytes, undefined), code('DIGEST_INVALID'));
  await assert.rejects(pushManifest(reg, 'web', '.bad', bytes, undefined), code('TAG_INVALID'));
  await assert.rejects(pushManifest(reg, 'nope', 'v1', bytes, undefined), code('NAME_UNKNOWN'));
  assert.deepEqual(await reg.repositories.images('web'), [], 'nothing was stored');
});

test('an index needs its images first and reports the largest one', async () => {
  const small = await pushManifest(reg, 'web', 'small', await imageManifest('web', 'x'), undefined);
  const big = await imageManifest('web', 'a bigger layer');
  const index = (children: string[]): Buffer => Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MediaTypes.OciIndex,
    manifests: children.map((digest) => ({ mediaType: MediaTypes.OciManifest, digest, size: 1 })),
  }));
  await assert.rejects(pushManifest(reg, 'web', 'multi', index([small, digestOf(big)]), undefined), code('MANIFEST_BLOB_UNKNOWN'));
  await pushManifest(reg, 'web', digestOf(big), big, undefined);
  const top = await pushManifest(reg, 'web', 'multi', index([small, digestOf(big)]), undefined);
  assert.equal((await resolveImage(reg, 'web', top))?.record.imageSizeInBytes, 'a bigger layer'.length);
});

test('an IMMUTABLE repository refuses to move a tag but accepts the same push again', async () => {
  const one = await imageManifest('locked', 'one');
  await pushManifest(reg, 'locked', 'v1', one, undefined);
  await pushManifest(reg, 'locked', 'v1', one, undefined);
  await assert.rejects(pushManifest(reg, 'locked', 'v1', await imageManifest('locked', 'two'), undefined), code('TAG_INVALID'));
  assert.equal((await resolveImage(reg, 'locked', 'v1'))?.digest, digestOf(one));
});

test('deleting a tag keeps the image; deleting the digest removes it and its tags', async () => {
  const digest = await pushManifest(reg, 'web', 'a', await imageManifest('web', 'l'), undefined);
  await pushManifest(reg, 'web', 'b', await imageManifest('web', 'l'), undefined);
  assert.equal(await deleteReference(reg, 'web', 'a'), true);
  assert.equal(await resolveImage(reg, 'web', 'a'), undefined);
  assert.equal((await resolveImage(reg, 'web', 'b'))?.digest, digest);
  assert.equal(await deleteReference(reg, 'web', digest), true);
  assert.equal(await resolveImage(reg, 'web', 'b'), undefined);
  assert.deepEqual(await reg.repositories.images('web'), []);
  assert.equal(await deleteReference(reg, 'web', digest), false);
});

test('reset forgets repositories, images, blobs and uploads', async () => {
  const digest = await pushManifest(reg, 'web', 'a', await imageManifest('web', 'l'), undefined);
  const upload = await reg.uploads.start('web');
  await reg.reset();
  assert.deepEqual(await reg.repositories.list(), []);
  assert.equal(await reg.blobs.size(digest), undefined);
  await assert.rejects(reg.uploads.status('web', upload.id), code('BLOB_UPLOAD_UNKNOWN'));
  assert.equal(await reg.repositories.create({ repositoryName: 'web', createdAt: 0, imageTagMutability: 'MUTABLE', scanOnPush: false, encryptionType: 'AES256', tags: [] }), true);
});
