import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReference, InvalidReferenceError, parseReference, usesPlainHttp, apiHost } from './reference.js';
import { formatPlatform, parseChallenge, pickPlatform, type Descriptor } from './registry-client.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  test('Docker Hub defaults, registries with ports, tags and digests', () => {
    const cases: [string, string][] = [
      ['busybox', 'docker.io/library/busybox:latest'],
      ['busybox:1.36', 'docker.io/library/busybox:1.36'],
      ['me/app', 'docker.io/me/app:latest'],
      ['docker.io/busybox', 'docker.io/library/busybox:latest'],
      ['index.docker.io/library/busybox:1', 'docker.io/library/busybox:1'],
      ['127.0.0.1:5000/web', '127.0.0.1:5000/web:latest'],
      ['127.0.0.1:5000/team/web:v1.2-rc_3', '127.0.0.1:5000/team/web:v1.2-rc_3'],
      ['localhost/web:1', 'localhost/web:1'],
      ['localhost:5000/a/b/c', 'localhost:5000/a/b/c:latest'],
      ['[::1]:5000/web:2', '[::1]:5000/web:2'],
      ['123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app:prod', '123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app:prod'],
      [`127.0.0.1:5000/web@${D}`, `127.0.0.1:5000/web@${D}`],
      [`127.0.0.1:5000/web:1@${D}`, `127.0.0.1:5000/web:1@${D}`],
      ['my.registry/a__b/c-d/e.f:x', 'my.registry/a__b/c-d/e.f:x'],
    ];
    for (const [input, want] of cases) assert.equal(formatReference(parseReference(input)), want, input);
    assert.deepEqual(parseReference('127.0.0.1:5000/team/web:1'), { registry: '127.0.0.1:5000', repository: 'team/web', tag: '1' });
    assert.deepEqual(parseReference(`web@${D}`), { registry: 'docker.io', repository: 'library/web', digest: D });
  });

  test('invalid references say what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['UPPER', /must be lowercase/],
      ['127.0.0.1:5000/Web', /must be lowercase/],
      ['web:', /tag "" is not valid/],
      ['web:-x', /tag "-x" is not valid/],
      ['web@sha256:123', /64 lowercase hex/],
      [`web@md5:${'a'.repeat(32)}`, /not supported/],
      ['web@latest', /no algorithm/],
      ['a//b', /component ""/],
      ['127.0.0.1:5000/', /empty/],
      ['bad_host:5000:1/x', /./],
    ];
    for (const [input, re] of cases) {
      assert.throws(() => parseReference(input), (err: unknown) => err instanceof InvalidReferenceError && re.test(err.message), input);
    }
  });

  test('plain HTTP only for loopback and listed registries; Docker Hub API host', () => {
    assert.equal(usesPlainHttp('127.0.0.1:5000'), true);
    assert.equal(usesPlainHttp('localhost'), true);
    assert.equal(usesPlainHttp('[::1]:5000'), true);
    assert.equal(usesPlainHttp('10.0.0.5:5000'), false);
    assert.equal(usesPlainHttp('10.0.0.5:5000', ['10.0.0.5:5000']), true);
    assert.equal(usesPlainHttp('10.0.0.5:5000', ['10.0.0.5']), true);
    assert.equal(usesPlainHttp('10.0.0.5:5000', ['http://10.0.0.5:5000/']), true);
    assert.equal(usesPlainHttp('10.0.0.5:5000', ['10.0.0.6']), false);
    assert.equal(usesPlainHttp('docker.io'), false);
    assert.equal(apiHost('docker.io'), 'registry-1.docker.io');
    assert.equal(apiHost('127.0.0.1:5000'), '127.0.0.1:5000');
  });
});

describe('registry client pure parts', () => {
  test('WWW-Authenticate challenges', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
      scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
    });
    assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic', params: { realm: 'Registry Realm' } });
    assert.deepEqual(parseChallenge('bearer realm=http://x/t, service=s'), { scheme: 'bearer', params: { realm: 'http://x/t', service: 's' } });
    assert.equal(parseChallenge('Negotiate abc'), undefined);
    assert.equal(parseChallenge(undefined), undefined);
  });

  test('platform pick from an index', () => {
    const m = (architecture: string, variant?: string, os = 'linux'): Descriptor => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${architecture}${variant ?? ''}`, size: 1,
      platform: { os, architecture, ...(variant ? { variant } : {}) },
    });
    const index = [m('arm64', 'v8'), m('amd64'), m('arm', 'v7'), m('amd64', undefined, 'windows')];
    assert.equal(pickPlatform(index, { os: 'linux', architecture: 'amd64' })?.digest, 'sha256:amd64');
    assert.equal(pickPlatform(index, { os: 'linux', architecture: 'arm64' })?.digest, 'sha256:arm64v8');
    assert.equal(pickPlatform([m('arm64')], { os: 'linux', architecture: 'arm64', variant: 'v8' })?.digest, 'sha256:arm64');
    assert.equal(pickPlatform(index, { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest, 'sha256:armv7');
    assert.equal(pickPlatform(index, { os: 'linux', architecture: 'arm', variant: 'v6' }), undefined);
    assert.equal(pickPlatform(index, { os: 'linux', architecture: 's390x' }), undefined);
    // Attestation manifests (platform unknown/unknown) never match.
    assert.equal(pickPlatform([m('unknown', undefined, 'unknown')], { os: 'linux', architecture: 'amd64' }), undefined);
    assert.equal(formatPlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' }), 'linux/arm64/v8');
  });
});
