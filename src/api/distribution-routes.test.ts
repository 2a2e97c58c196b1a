import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseByteRange, parseChunkRange, parseRoute } from './distribution-routes.js';

const D = `sha256:${'a'.repeat(64)}`;

test('routes keep slashes in repository names', () => {
  assert.deepEqual(parseRoute('/v2/'), { kind: 'base' });
  assert.deepEqual(parseRoute('/v2/team/web/manifests/1'), { kind: 'manifest', name: 'team/web', reference: '1' });
  assert.deepEqual(parseRoute(`/v2/team/web/blobs/${D}`), { kind: 'blob', name: 'team/web', digest: D });
  assert.deepEqual(parseRoute('/v2/team/web/blobs/uploads/'), { kind: 'uploads', name: 'team/web' });
  assert.deepEqual(parseRoute('/v2/a/blobs/uploads/123e4567-e89b-12d3-a456-426614174000'), { kind: 'upload', name: 'a', id: '123e4567-e89b-12d3-a456-426614174000' });
  assert.deepEqual(parseRoute('/v2/a/b/c/tags/list'), { kind: 'tags', name: 'a/b/c' });
  assert.deepEqual(parseRoute('/v2/_catalog'), { kind: 'catalog' });
  assert.equal(parseRoute('/v2/web'), undefined);
});

test('chunk and byte ranges', () => {
  assert.equal(parseChunkRange(undefined), undefined);
  assert.deepEqual(parseChunkRange('0-99'), { start: 0, end: 99 });
  assert.deepEqual(parseChunkRange('bytes=100-199'), { start: 100, end: 199 });
  assert.equal(parseChunkRange('5-1'), 'invalid');
  assert.equal(parseChunkRange('abc'), 'invalid');
  assert.deepEqual(parseByteRange('bytes=0-9', 100), { start: 0, end: 9 });
  assert.deepEqual(parseByteRange('bytes=90-', 100), { start: 90, end: 99 });
  assert.deepEqual(parseByteRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.deepEqual(parseByteRange('bytes=50-500', 100), { start: 50, end: 99 });
  assert.equal(parseByteRange('bytes=100-', 100), 'invalid');
  assert.equal(parseByteRange('items=0-1', 100), 'invalid');
});
