import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { createLogger } from '../../lib/logger.js';
import { pushManifest } from '../images.js';
import { MediaTypes } from '../../lib/oci-media-types.js';
import { Registry } from '../registry.js';
import { batchDeleteImage, describeImages, getAuthorizationToken, listImages } from './images.js';
import { createRepository, deleteRepository, describeRepositories } from './repositories.js';

let dir: string;
let reg: Registry;
const clock = new ManualClock(Date.UTC(2026, 5, 1));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pier-ecr-'));
  reg = new Registry({ dir, scope: { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' }, clock, sessionKey: randomBytes(32), agentToken: 'j', log: createLogger('error') });
  reg.setHost('127.0.0.1:4600');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const errorCode = (code: string) => (e: unknown): boolean => (e as { code?: string }).code === code;

async function image(repository: string, layer: string, tag: string): Promise<string> {
  const blob = async (content: string): Promise<{ digest: string; size: number }> => {
    const digest = await reg.blobs.put(Buffer.from(content));
    await reg.repositories.linkBlob(repository, digest);
    return { digest, size: content.length };
  };
  const bytes = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MediaTypes.OciManifest,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...(await blob(`{"l":"${layer}"}`)) },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...(await blob(layer)) }],
  }));
  return pushManifest(reg, repository, tag, bytes, undefined);
}

test('CreateRepository answers ECR\'s fields with Pier\'s URI; duplicates, bad names and other registries are refused', async () => {
  const out = await createRepository(reg, { repositoryName: 'team/web' }) as { repository: Record<string, unknown> };
  assert.deepEqual(out.repository, {
    repositoryArn: 'arn:aws:ecr:eu-west-1:123456789012:repository/team/web', registryId: '123456789012', repositoryName: 'team/web',
    repositoryUri: '127.0.0.1:4600/team/web', createdAt: clock.now() / 1000, imageTagMutability: 'MUTABLE',
    imageScanningConfiguration: { scanOnPush: false }, encryptionConfiguration: { encryptionType: 'AES256' },
  });
  await assert.rejects(createRepository(reg, { repositoryName: 'team/web' }), errorCode('RepositoryAlreadyExistsException'));
  for (const repositoryName of ['Web', 'web/', '-web', 'a', 'web//x']) {
    await assert.rejects(createRepository(reg, { repositoryName }), errorCode('InvalidParameterException'), repositoryName);
  }
  await assert.rejects(createRepository(reg, { repositoryName: 'x1', registryId: '999999999999' }), errorCode('InvalidParameterException'));
  await assert.rejects(createRepository(reg, { repositoryName: 'x1', imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION' }), errorCode('InvalidParameterException'));
  assert.deepEqual((await reg.repositories.list()).map((r) => r.repositoryName), ['team/web'], 'refusals changed nothing');
});

test('DescribeRepositories pages with nextToken and names missing ones', async () => {
  for (const n of ['aa', 'bb', 'cc']) await createRepository(reg, { repositoryName: n });
  const first = await describeRepositories(reg, { maxResults: 2 }) as { repositories: { repositoryName: string }[]; nextToken?: string };
  assert.deepEqual(first.repositories.map((r) => r.repositoryName), ['aa', 'bb']);
  const second = await describeRepositories(reg, { maxResults: 2, nextToken: first.nextToken! }) as { repositories: { repositoryName: string }[]; nextToken?: string };
  assert.deepEqual(second.repositories.map((r) => r.repositoryName), ['cc']);
  assert.equal(second.nextToken, undefined);
  await assert.rejects(describeRepositories(reg, { nextToken: 'garbage' }), errorCode('InvalidParameterException'));
  await assert.rejects(describeRepositories(reg, { repositoryNames: ['aa', 'zz'] }), errorCode('RepositoryNotFoundException'));
});

test('images: listed per tag, untagged by digest; deleting the last tag deletes the image; a full repository needs force', async () => {
  await createRepository(reg, { repositoryName: 'web' });
  const a = await image('web', 'one', 'v1');
  await pushManifest(reg, 'web', 'latest', await readFile(reg.blobs.path(a)), undefined);
  const b = await image('web', 'two', 'v2');
  await reg.repositories.untag('web', 'v2');
  const all = await listImages(reg, { repositoryName: 'web' }) as { imageIds: unknown[] };
  assert.deepEqual(new Set(all.imageIds.map((i) => JSON.stringify(i))), new Set([
    JSON.stringify({ imageDigest: a, imageTag: 'latest' }), JSON.stringify({ imageDigest: a, imageTag: 'v1' }), JSON.stringify({ imageDigest: b }),
  ]));
  assert.deepEqual((await listImages(reg, { repositoryName: 'web', filter: { tagStatus: 'UNTAGGED' } }) as { imageIds: unknown[] }).imageIds, [{ imageDigest: b }]);
  const details = await describeImages(reg, { repositoryName: 'web', imageIds: [{ imageTag: 'v1' }] }) as { imageDetails: Record<string, unknown>[] };
  assert.deepEqual(details.imageDetails[0]!.imageTags, ['latest', 'v1']);
  assert.equal(details.imageDetails[0]!.imageSizeInBytes, 3);
  await assert.rejects(describeImages(reg, { repositoryName: 'web', imageIds: [{ imageTag: 'nope' }] }), errorCode('ImageNotFoundException'));

  const out = await batchDeleteImage(reg, { repositoryName: 'web', imageIds: [{ imageTag: 'v1' }, { imageDigest: a, imageTag: 'v9' }, {}, { imageDigest: 'sha256:zz' }] }) as {
    imageIds: unknown[]; failures: { failureCode: string }[];
  };
  assert.deepEqual(out.imageIds, [{ imageDigest: a, imageTag: 'v1' }]);
  assert.deepEqual(out.failures.map((f) => f.failureCode), ['ImageTagDoesNotMatchDigest', 'MissingDigestAndTag', 'InvalidImageDigest']);
  assert.ok((await reg.repositories.manifest('web', a)) !== undefined, 'still tagged latest');
  await batchDeleteImage(reg, { repositoryName: 'web', imageIds: [{ imageTag: 'latest' }] });
  assert.equal(await reg.repositories.manifest('web', a), undefined, 'its last tag took the image along');

  await assert.rejects(deleteRepository(reg, { repositoryName: 'web' }), errorCode('RepositoryNotEmptyException'));
  await deleteRepository(reg, { repositoryName: 'web', force: true });
  await assert.rejects(listImages(reg, { repositoryName: 'web' }), errorCode('RepositoryNotFoundException'));
});

test('GetAuthorizationToken: base64 AWS:<password>, 12 hours, the registry as proxy endpoint', () => {
  const out = getAuthorizationToken(reg, 'arn:aws:iam::123456789012:root') as { authorizationData: { authorizationToken: string; expiresAt: number; proxyEndpoint: string }[] };
  const data = out.authorizationData[0]!;
  assert.equal(data.proxyEndpoint, 'http://127.0.0.1:4600');
  assert.equal(data.expiresAt, clock.now() / 1000 + 12 * 3600);
  const [user, password] = Buffer.from(data.authorizationToken, 'base64').toString().split(/:(.*)/s);
  assert.equal(user, 'AWS');
  assert.deepEqual(reg.tokens.authenticate(`Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`, clock.now()), { principal: 'arn:aws:iam::123456789012:root', push: true });
});
