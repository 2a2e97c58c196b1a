import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ResolvedManifest } from './registry-client.js';
import { ResolutionCache } from './resolution-cache.js';

const manifest = (digest: string): ResolvedManifest => ({
  manifestDigest: digest, manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
  configDescriptor: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:c', size: 1 }, configDigest: 'sha256:c', layers: [],
});

describe('ResolutionCache', () => {
  test('a tag resolution is reused within the window and asked again after it', () => {
    let now = 1_000;
    const c = new ResolutionCache(5_000, () => now);
    c.set('r/a:1', false, manifest('sha256:1'));
    now += 5_000;
    assert.equal(c.get('r/a:1', false)?.manifestDigest, 'sha256:1');
    now += 1;
    assert.equal(c.get('r/a:1', false), undefined);
    assert.equal(c.get('r/a:1', false), undefined, 'an expired entry stays gone');
  });

  test('a digest resolution holds for good; a window of 0 keeps no tags', () => {
    let now = 0;
    const c = new ResolutionCache(0, () => now);
    c.set('r/a:1', false, manifest('sha256:1'));
    assert.equal(c.get('r/a:1', false), undefined);
    c.set('r/a@sha256:2', true, manifest('sha256:2'));
    now += 86_400_000;
    assert.equal(c.get('r/a@sha256:2', true)?.manifestDigest, 'sha256:2');
  });

  test('entries are per credentials, and callers get copies', () => {
    const c = new ResolutionCache(5_000, () => 0);
    const alice = ResolutionCache.key('r/a:1', { username: 'alice', password: 'x' });
    const wrong = ResolutionCache.key('r/a:1', { username: 'alice', password: 'y' });
    assert.notEqual(alice, wrong);
    assert.notEqual(alice, ResolutionCache.key('r/a:1', undefined));
    c.set(alice, false, manifest('sha256:1'));
    assert.equal(c.get(wrong, false), undefined);
    c.get(alice, false)!.layers.push({ mediaType: 'x', digest: 'sha256:z', size: 1 });
    assert.deepEqual(c.get(alice, false)!.layers, []);
  });
});
