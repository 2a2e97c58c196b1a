import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DistributionError } from './distribution-errors.js';
import { MediaTypes } from '../lib/oci-media-types.js';
import { parseManifest } from './manifest.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const json = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));

test('an image manifest lists its config and layers and sums the layer sizes', () => {
  const m = parseManifest(json({
    schemaVersion: 2, mediaType: MediaTypes.OciManifest,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('a'), size: 10 },
    layers: [{ mediaType: 'x', digest: d('b'), size: 100 }, { mediaType: 'x', digest: d('c'), size: 50, urls: ['https://elsewhere'] }],
  }), undefined);
  assert.equal(m.mediaType, MediaTypes.OciManifest);
  assert.deepEqual(m.blobs, [d('a'), d('b')], 'a layer with urls is not expected in the registry');
  assert.equal(m.layerBytes, 150);
  assert.equal(m.artifactMediaType, 'application/vnd.oci.image.config.v1+json');
});

test('an index (media type from Content-Type) lists its manifests', () => {
  const m = parseManifest(json({ schemaVersion: 2, manifests: [{ mediaType: 'x', digest: d('d'), size: 1 }] }), MediaTypes.DockerManifestList);
  assert.equal(m.mediaType, MediaTypes.DockerManifestList);
  assert.deepEqual(m.children, [d('d')]);
  assert.deepEqual(m.blobs, []);
});

test('bad manifests are MANIFEST_INVALID', () => {
  const bad = [
    Buffer.from('{not json'),
    json({ schemaVersion: 1, name: 'x', tag: 'y', fsLayers: [] }),
    json({ schemaVersion: 2, mediaType: MediaTypes.OciManifest, config: { digest: 'sha256:short', size: 1 }, layers: [] }),
    json({ schemaVersion: 2, mediaType: MediaTypes.OciManifest, config: { digest: d('a'), size: 1 } }),
    json({ schemaVersion: 2, mediaType: 'application/vnd.example+json', config: { digest: d('a'), size: 1 }, layers: [] }),
  ];
  for (const b of bad) {
    assert.throws(() => parseManifest(b, undefined), (e: unknown) => e instanceof DistributionError && e.code === 'MANIFEST_INVALID', b.toString());
  }
  assert.throws(() => parseManifest(json({ schemaVersion: 2, mediaType: MediaTypes.OciIndex, manifests: [] }), MediaTypes.OciManifest),
    /differs from its Content-Type/);
});
