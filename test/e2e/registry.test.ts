/**
 * The built-in registry end to end on a real `pier up` (agent, runc): ECR calls through AWS CLI v2
 * and v1 (errors included, `aws ecr get-login-password`), skopeo pushing and pulling a busybox image
 * with that password, refusals without it, the distribution API's chunked upload, cross-repository
 * mount, ranges and manifest delete over raw HTTP, `pier image push` of an OCI archive, and a task
 * whose image is the registry's URI pulled by the agent with no configuration.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { availableClis } from '../helpers/aws-cli.js';
import { buildBusyboxImage, type BuiltImage } from '../helpers/oci-images.js';
import { PIER_MAIN } from '../helpers/pier-process.js';
import { Aws } from './aws-cli-support.test.js';
import { container, RealEnv, summary } from './tasks-real-support.test.js';

const execFileAsync = promisify(execFile);
const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('built-in registry (ECR role)', () => {
  let env: RealEnv;
  let image: BuiltImage;
  let host: string;
  let password: string;
  let tmp: string;
  const clis: Aws[] = [];

  before(async () => {
    env = await RealEnv.start({ agent: true, registryAuth: 'none', pierArgs: ['--runtime', 'runc'] });
    host = new URL(env.pier.endpoint).host;
    for (const cli of availableClis()) clis.push(new Aws(cli, env.pier));
    assert.ok(clis.some((c) => c.isV2), 'AWS CLI v2 at /usr/bin/aws');
    image = await buildBusyboxImage({ config: { Cmd: ['sh', '-c', 'echo hello from the built-in registry; sleep 2; exit 7'] } });
    tmp = mkdtempSync(join(tmpdir(), 'pier-registry-e2e-'));
  });
  after(async () => {
    image?.remove();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    await env?.teardown();
  });

  const v2 = (): Aws => clis.find((c) => c.isV2)!;
  const auth = (pw = password): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`AWS:${pw}`).toString('base64')}` });
  const url = (path: string): string => `${env.pier.endpoint}${path}`;
  const skopeo = (args: string[]) => execFileAsync('skopeo', ['--insecure-policy', ...args], { maxBuffer: 16 << 20 });

  test('ECR repositories through AWS CLI v2 and v1: create, describe, errors, get-login-password', () => {
    for (const [i, aws] of clis.entries()) {
      const name = `team/app${i}`;
      const started = Date.now();
      const repo = aws.ok(['create-repository', '--repository-name', name, '--image-tag-mutability', 'IMMUTABLE'], 'ecr').repository;
      assert.equal(repo.repositoryUri, `${host}/${name}`, 'the URI is the Pier server\'s host:port');
      assert.match(repo.registryId, /^\d{12}$/);
      assert.equal(repo.repositoryArn, `arn:aws:ecr:${env.pier.region}:${repo.registryId}:repository/${name}`);
      assert.equal(repo.imageTagMutability, 'IMMUTABLE');
      assert.deepEqual(repo.encryptionConfiguration, { encryptionType: 'AES256' });
      aws.assertTime(repo.createdAt, 'createdAt', started);
      aws.fail(['create-repository', '--repository-name', name], 'RepositoryAlreadyExistsException', 'CreateRepository',
        `The repository with name '${name}' already exists in the registry with id '${repo.registryId}'`, 'ecr');
      const r = aws.run(['ecr', 'get-login-password']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout.trim(), /^PIERCR1\.[\w-]+\.[\w-]+$/);
      password = r.stdout.trim();
    }
    // The rest once, with v2 (each CLI call costs a second or more of Python start-up).
    const aws = v2();
    const found = aws.ok(['describe-repositories', '--repository-names', 'team/app0'], 'ecr').repositories;
    assert.deepEqual(found.map((r: { repositoryUri: string }) => r.repositoryUri), [`${host}/team/app0`]);
    aws.fail(['describe-repositories', '--repository-names', 'missing/repo'], 'RepositoryNotFoundException', 'DescribeRepositories',
      `The repository with name 'missing/repo' does not exist in the registry with id '${found[0].registryId}'`, 'ecr');
    aws.fail(['create-repository', '--repository-name', 'Upper/Case'], 'InvalidParameterException', 'CreateRepository', /failed to satisfy constraint/, 'ecr');
    const token = aws.ok(['get-authorization-token'], 'ecr').authorizationData[0];
    assert.equal(token.proxyEndpoint, `http://${host}`);
    assert.match(Buffer.from(token.authorizationToken, 'base64').toString(), /^AWS:PIERCR1\./);
    const hours = (Date.parse(token.expiresAt) - Date.now()) / 3600_000;
    assert.ok(hours > 11.9 && hours <= 12, `the token lasts 12 hours, got ${hours}`);
    aws.ok(['create-repository', '--repository-name', 'apps/busybox'], 'ecr');
  });

  test('skopeo pushes with the ECR password and pulls back the same digests; no or a wrong password is refused', async () => {
    const dest = `docker://${host}/apps/busybox:1`;
    await assert.rejects(skopeo(['copy', '--dest-tls-verify=false', '--preserve-digests', `oci:${image.layoutDir}:${image.tag}`, dest]), /unauthorized|authentication required/i);
    await assert.rejects(skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'AWS:PIERCR1.e30.forged', '--preserve-digests', `oci:${image.layoutDir}:${image.tag}`, dest]),
      /unauthorized|authentication required/i);
    await assert.rejects(skopeo(['copy', '--dest-tls-verify=false', '--preserve-digests', `oci:${image.layoutDir}:${image.tag}`, `docker://${host}/not/created:1`,
      '--dest-creds', `AWS:${password}`]), /name unknown|NAME_UNKNOWN|does not exist/i, 'pushing to a repository that was not created');
    await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', `AWS:${password}`, '--preserve-digests', `oci:${image.layoutDir}:${image.tag}`, dest]);

    const inspected = JSON.parse((await skopeo(['inspect', '--tls-verify=false', '--creds', `AWS:${password}`, dest])).stdout) as { Digest: string; Layers: string[] };
    assert.equal(inspected.Digest, image.manifestDigest);
    assert.deepEqual(inspected.Layers, image.layers.map((l) => l.digest));
    const pulled = join(tmp, 'pulled');
    await skopeo(['copy', '--src-tls-verify=false', '--src-creds', `AWS:${password}`, dest, `oci:${pulled}:back`]);
    const index = JSON.parse(readFileSync(join(pulled, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    assert.equal(index.manifests[0]!.digest, image.manifestDigest);
    for (const layer of image.layers) assert.equal(sha256(readFileSync(join(pulled, 'blobs', 'sha256', layer.digest.slice(7)))), layer.digest);

    const details = v2().ok(['describe-images', '--repository-name', 'apps/busybox'], 'ecr').imageDetails;
    assert.equal(details.length, 1);
    assert.equal(details[0].imageDigest, image.manifestDigest);
    assert.deepEqual(details[0].imageTags, ['1']);
    assert.equal(details[0].imageSizeInBytes, image.bytes);
    assert.equal(details[0].imageManifestMediaType, 'application/vnd.oci.image.manifest.v1+json');
  });

  test('distribution API over HTTP: 401 challenge, chunked upload with ordering, digest check, mount, ranges, tags, manifest delete', async () => {
    const anonymous = await fetch(url('/v2/'));
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    assert.equal((await anonymous.json() as { errors: { code: string }[] }).errors[0]!.code, 'UNAUTHORIZED');
    assert.equal((await fetch(url('/v2/'), { headers: auth() })).status, 200);

    const content = Buffer.from('0123456789abcdefghij'.repeat(1000));
    const digest = sha256(content);
    const start = await fetch(url('/v2/apps/busybox/blobs/uploads/'), { method: 'POST', headers: auth() });
    assert.equal(start.status, 202);
    const location = start.headers.get('location')!;
    assert.match(location, /^\/v2\/apps\/busybox\/blobs\/uploads\/[0-9a-f-]{36}$/);
    const patch = (from: number, to: number) => fetch(url(location), {
      method: 'PATCH', body: content.subarray(from, to), headers: { ...auth(), 'content-type': 'application/octet-stream', 'content-range': `${from}-${to - 1}` },
    });
    const first = await patch(0, 8000);
    assert.equal(first.status, 202);
    assert.equal(first.headers.get('range'), '0-7999');
    const outOfOrder = await patch(9000, 10000);
    assert.equal(outOfOrder.status, 416, 'a chunk past the offset is refused');
    const status = await fetch(url(location), { headers: auth() });
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-7999', 'the refused chunk changed nothing');
    assert.equal((await patch(8000, 20000)).status, 202);
    const wrong = await fetch(url(`${location}?digest=${sha256('other')}`), { method: 'PUT', headers: auth() });
    assert.equal(wrong.status, 400);
    assert.equal((await wrong.json() as { errors: { code: string }[] }).errors[0]!.code, 'DIGEST_INVALID');

    const monolithic = await fetch(url(`/v2/apps/busybox/blobs/uploads/?digest=${digest}`), { method: 'POST', body: content, headers: auth() });
    assert.equal(monolithic.status, 201);
    assert.equal(monolithic.headers.get('docker-content-digest'), digest);
    const head = await fetch(url(`/v2/apps/busybox/blobs/${digest}`), { method: 'HEAD', headers: auth() });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(content.length));
    const ranged = await fetch(url(`/v2/apps/busybox/blobs/${digest}`), { headers: { ...auth(), range: 'bytes=10-19' } });
    assert.equal(ranged.status, 206);
    assert.equal(await ranged.text(), 'abcdefghij');

    // Cross-repository mount: the blob becomes part of the other repository without being sent again.
    v2().ok(['create-repository', '--repository-name', 'apps/copy'], 'ecr');
    assert.equal((await fetch(url(`/v2/apps/copy/blobs/${digest}`), { method: 'HEAD', headers: auth() })).status, 404);
    const mount = await fetch(url(`/v2/apps/copy/blobs/uploads/?mount=${digest}&from=apps/busybox`), { method: 'POST', headers: auth() });
    assert.equal(mount.status, 201);
    assert.equal(mount.headers.get('location'), `/v2/apps/copy/blobs/${digest}`);
    assert.equal((await fetch(url(`/v2/apps/copy/blobs/${digest}`), { method: 'HEAD', headers: auth() })).status, 200);
    const notMountable = await fetch(url(`/v2/apps/copy/blobs/uploads/?mount=${sha256('absent')}&from=apps/busybox`), { method: 'POST', headers: auth() });
    assert.equal(notMountable.status, 202, 'an unmountable blob starts an ordinary upload');

    // A manifest referencing the mounted blob, tagged, listed, then deleted by digest.
    const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
    const configDigest = sha256(config);
    assert.equal((await fetch(url(`/v2/apps/copy/blobs/uploads/?digest=${configDigest}`), { method: 'POST', body: config, headers: auth() })).status, 201);
    const manifest = JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest, size: content.length }],
    });
    const missingLayer = manifest.replace(digest, sha256('nowhere'));
    const refused = await fetch(url('/v2/apps/copy/manifests/x'), { method: 'PUT', body: missingLayer, headers: { ...auth(), 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(refused.status, 400);
    assert.equal((await refused.json() as { errors: { code: string }[] }).errors[0]!.code, 'MANIFEST_BLOB_UNKNOWN');
    const put = await fetch(url('/v2/apps/copy/manifests/v1'), { method: 'PUT', body: manifest, headers: { ...auth(), 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(put.status, 201);
    const manifestDigest = put.headers.get('docker-content-digest')!;
    assert.equal(manifestDigest, sha256(manifest));
    const tags = await fetch(url('/v2/apps/copy/tags/list'), { headers: auth() });
    assert.deepEqual(await tags.json(), { name: 'apps/copy', tags: ['v1'] });
    const got = await fetch(url('/v2/apps/copy/manifests/v1'), { method: 'HEAD', headers: auth() });
    assert.equal(got.headers.get('docker-content-digest'), manifestDigest);
    assert.equal(got.headers.get('content-type'), 'application/vnd.oci.image.manifest.v1+json');
    assert.equal((await fetch(url(`/v2/apps/copy/manifests/${manifestDigest}`), { method: 'DELETE', headers: auth() })).status, 202);
    const gone = await fetch(url('/v2/apps/copy/manifests/v1'), { headers: auth() });
    assert.equal(gone.status, 404);
    assert.equal((await gone.json() as { errors: { code: string }[] }).errors[0]!.code, 'MANIFEST_UNKNOWN');
    const unknown = await fetch(url('/v2/not/there/tags/list'), { headers: auth() });
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json() as { errors: { code: string }[] }).errors[0]!.code, 'NAME_UNKNOWN');
  });

  test('pier image push loads an OCI archive; list-images, batch-delete-image and delete-repository see it', async () => {
    const archive = join(tmp, 'busybox.tar');
    execFileSync('tar', ['-C', image.layoutDir, '-cf', archive, '.']);
    const { stdout } = await execFileAsync(process.execPath, [PIER_MAIN, 'image', 'push', archive, '--name', 'apps/pushed:v1', '--data-dir', env.pier.dataDir, '--json']);
    const pushed = JSON.parse(stdout) as { image: string; imageDigest: string };
    assert.deepEqual(pushed, { ...pushed, image: `${host}/apps/pushed:v1`, imageDigest: image.manifestDigest });
    await execFileAsync(process.execPath, [PIER_MAIN, 'image', 'push', image.layoutDir, '--name', 'apps/pushed:v2', '--data-dir', env.pier.dataDir]);

    const aws = v2();
    const ids = aws.ok(['list-images', '--repository-name', 'apps/pushed'], 'ecr').imageIds as { imageTag: string; imageDigest: string }[];
    assert.deepEqual(ids.map((i) => i.imageTag).sort(), ['v1', 'v2']);
    assert.ok(ids.every((i) => i.imageDigest === image.manifestDigest));
    const deleted = aws.ok(['batch-delete-image', '--repository-name', 'apps/pushed', '--image-ids', 'imageTag=v2', 'imageTag=nope'], 'ecr');
    assert.deepEqual(deleted.imageIds, [{ imageDigest: image.manifestDigest, imageTag: 'v2' }]);
    assert.deepEqual(deleted.failures, [{ imageId: { imageTag: 'nope' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }]);
    aws.fail(['describe-images', '--repository-name', 'apps/pushed', '--image-ids', 'imageTag=v2'], 'ImageNotFoundException', 'DescribeImages', /does not exist within the repository/, 'ecr');
    aws.fail(['delete-repository', '--repository-name', 'apps/pushed'], 'RepositoryNotEmptyException', 'DeleteRepository', /still contains images/, 'ecr');
    assert.equal(aws.ok(['delete-repository', '--repository-name', 'apps/pushed', '--force'], 'ecr').repository.repositoryName, 'apps/pushed');
    aws.fail(['describe-images', '--repository-name', 'apps/pushed'], 'RepositoryNotFoundException', 'DescribeImages', /does not exist/, 'ecr');
  });

  test('a task whose image is the registry URI is pulled by the agent with no configuration and runs', async () => {
    env.image = `${host}/apps/busybox:1`;
    env.registerTaskDefinition('from-registry', [{ name: 'app' }]);
    const arn = env.runTask('from-registry');
    const running = await env.waitRunning(arn, 60_000);
    assert.equal(container(running, 'app').imageDigest, image.manifestDigest, summary(running));
    const stopped = await env.waitStopped(arn, 60_000);
    assert.equal(container(stopped, 'app').exitCode, 7, summary(stopped));
    assert.equal(stopped.stopCode, 'EssentialContainerExited', summary(stopped));
  });

  test('nothing is left on the host once every task is STOPPED and pier has exited', () => env.assertNothingLeft());
});
