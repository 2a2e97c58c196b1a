/**
 * LocalImageStore against a real registry (Debian's docker-registry on 127.0.0.1) with images built
 * by test/helpers/oci-images.ts and pushed with skopeo: tags, digests, indexes, compression,
 * whiteouts stacked with a real overlay mount, basic and token auth, clear errors, corrupted blobs
 * (through a byte-flipping proxy), single-flight downloads, persistent references and GC.
 * Runs as root (device nodes, trusted.* xattrs, mount).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImagePullError, type PulledImage } from '../../src/agent/images/image-store.js';
import { LocalImageStore } from '../../src/agent/images/local-image-store.js';
import { buildAndPush, buildBusyboxImage, buildImage, pushImage, type BuiltImage, type PushedImage } from '../helpers/oci-images.js';
import { countBlobGets, startRegistry, type TestRegistry } from '../helpers/registry.js';

const isRoot = process.getuid?.() === 0;
const temps: string[] = [];
const stores: LocalImageStore[] = [];

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

function newStore(root = tempDir('pier-images-')): LocalImageStore {
  const s = new LocalImageStore({ root, retryDelayMs: 10, timeoutMs: 10_000 });
  stores.push(s);
  return s;
}

async function pullError(p: Promise<unknown>): Promise<ImagePullError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ImagePullError, `expected ImagePullError, got ${String(err)}`);
    return err;
  }
  assert.fail('pull succeeded but should have failed');
}

/** Files in a directory tree, relative, sorted (dirs with a trailing slash). */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(e.isDirectory() ? `${r}/` : r);
      if (e.isDirectory()) walk(join(d, e.name), r);
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return out.sort();
}

interface Proxy {
  host: string;
  /** Blob GETs that reached the proxy, by digest. */
  blobGets: Map<string, number>;
  close(): Promise<void>;
}

/** An HTTP proxy in front of the registry that counts blob GETs and can flip a byte of one blob or redirect blobs. */
async function startProxy(target: string, opts: { corruptDigest?: string; redirectBlobs?: boolean } = {}): Promise<Proxy> {
  const blobGets = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const m = /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(req.url ?? '');
    if (m && req.method === 'GET') blobGets.set(m[1]!, (blobGets.get(m[1]!) ?? 0) + 1);
    if (m && opts.redirectBlobs) {
      res.writeHead(307, { Location: `http://${target}${req.url}` });
      res.end();
      return;
    }
    const up = request(`http://${target}${req.url}`, { method: req.method, headers: { ...req.headers, host: target } }, (upRes: IncomingMessage) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (m && m[1] === opts.corruptDigest) {
        let flipped = false;
        upRes.on('data', (c: Buffer) => {
          if (!flipped && c.length > 100) {
            c = Buffer.from(c);
            const i = Math.floor(c.length / 2);
            c[i] = c[i]! ^ 0x01;
            flipped = true;
          }
          res.write(c);
        });
        upRes.on('end', () => res.end());
      } else {
        upRes.pipe(res);
      }
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    blobGets,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

function layerDirs(img: PulledImage): string[] {
  return img.layers.map((l) => l.dir);
}

describe('LocalImageStore against docker-registry', { skip: isRoot ? false : 'needs root' }, () => {
  let reg: TestRegistry;
  let busybox: BuiltImage;
  let pushed: PushedImage;

  before(async () => {
    reg = await startRegistry();
    busybox = await buildBusyboxImage({ index: true, config: { Env: ['PATH=/bin', 'GREETING=hi'], WorkingDir: '/tmp', User: '65534', StopSignal: 'SIGINT' } });
    pushed = await pushImage(busybox, reg, 'busybox:1');
  });

  after(async () => {
    for (const s of stores) s.close();
    await reg?.stop();
    busybox?.remove();
  });

  test('pulls by tag: index resolved to this host platform, config and layers', async () => {
    const store = newStore();
    const img = await store.pull(pushed.reference, 'task-a');
    assert.equal(img.reference, pushed.reference);
    assert.equal(img.manifestDigest, busybox.manifestDigest, 'the amd64 manifest, not the decoy or the index');
    assert.equal(img.configDigest, busybox.configDigest);
    assert.deepEqual(img.config, { Cmd: ['sh'], Env: ['PATH=/bin', 'GREETING=hi'], WorkingDir: '/tmp', User: '65534', StopSignal: 'SIGINT' });
    assert.equal(img.layers.length, 1);
    assert.equal(img.layers[0]!.diffId, busybox.layers[0]!.diffId);
    const dir = img.layers[0]!.dir;
    assert.ok(lstatSync(join(dir, 'bin/busybox')).isFile());
    assert.equal(lstatSync(join(dir, 'bin/busybox')).mode & 0o777, 0o755);
    assert.ok(lstatSync(join(dir, 'bin/sh')).isSymbolicLink());
    assert.equal(lstatSync(join(dir, 'tmp')).mode & 0o7777, 0o1777);
    assert.equal(lstatSync(dir).mode & 0o777, 0o755, 'the layer root is readable by task users');
    assert.ok(!existsSync(join(dir, 'decoy')));
    assert.match(readFileSync(join(dir, 'etc/passwd'), 'utf8'), /^nobody:x:65534:65534:/m);
    assert.ok(img.layers[0]!.size > 1_000_000);
    assert.ok(existsSync(join(store.content.blobsDir, busybox.layers[0]!.digest.slice(7))), 'compressed blob kept in the content store');
    // The busybox in the layer runs.
    assert.equal(execFileSync(join(dir, 'bin/busybox'), ['echo', 'ok'], { encoding: 'utf8' }), 'ok\n');
  });

  test('a tag pushed again is seen once its resolution is older than the window (tagTtlMs)', async () => {
    let now = 0;
    const store = new LocalImageStore({ root: tempDir('pier-images-'), tagTtlMs: 5_000, now: () => now });
    stores.push(store);
    const first = await buildAndPush(reg, 'retag:1', { layers: [{ files: { a: 'one' } }] });
    assert.equal((await store.pull(first.reference, 't1')).manifestDigest, first.manifestDigest);
    const second = await buildAndPush(reg, 'retag:1', { layers: [{ files: { a: 'two' } }] });
    now += 5_000;
    const cached = await store.pull(first.reference, 't2');
    assert.equal(cached.manifestDigest, first.manifestDigest, 'within the window: the resolution of the last pull');
    assert.equal(readFileSync(join(cached.layers[0]!.dir, 'a'), 'utf8'), 'one', 'and the image it names');
    now += 1;
    const fresh = await store.pull(first.reference, 't3');
    assert.equal(fresh.manifestDigest, second.manifestDigest, 'after it: the registry is asked again');
    assert.equal(readFileSync(join(fresh.layers[0]!.dir, 'a'), 'utf8'), 'two');
  });

  test('pulls by manifest digest and by index digest', async () => {
    const store = newStore();
    const byManifest = await store.pull(`${reg.host}/busybox@${busybox.manifestDigest}`, 't1');
    assert.equal(byManifest.manifestDigest, busybox.manifestDigest);
    const byIndex = await store.pull(`${reg.host}/busybox:1@${busybox.indexDigest}`, 't2');
    assert.equal(byIndex.manifestDigest, busybox.manifestDigest);
    assert.deepEqual(layerDirs(byIndex), layerDirs(byManifest), 'the same cached layer');
  });

  test('an index without this platform is a clear error listing what it has', async () => {
    const store = new LocalImageStore({ root: tempDir('pier-images-'), platform: { os: 'linux', architecture: 's390x' } });
    stores.push(store);
    const err = await pullError(store.pull(pushed.reference, 't'));
    assert.equal(err.code, 'NoMatchingPlatform');
    assert.match(err.message, /no matching manifest for linux\/s390x/);
    assert.match(err.message, /linux\/arm64\/v8/);
    assert.match(err.message, /linux\/amd64/);
    assert.match(err.message, new RegExp(`${reg.host}/busybox:1`));
  });

  test('gzip, zstd and uncompressed layers in one image; Docker schema 2 media types', async () => {
    const img = await buildImage({
      layers: [
        { files: { 'a/gzip.txt': 'from a gzip layer\n' }, compression: 'gzip' },
        { files: { 'a/zstd.txt': 'from a zstd layer\n', 'a/big.bin': { random: 300_000 } }, compression: 'zstd' },
        { files: { 'a/plain.txt': 'from an uncompressed layer\n' }, compression: 'none' },
      ],
    });
    try {
      const p = await pushImage(img, reg, 'mixed:1');
      const store = newStore();
      const pulled = await store.pull(p.reference, 't');
      assert.deepEqual(pulled.layers.map((l) => l.diffId), img.layers.map((l) => l.diffId));
      assert.equal(readFileSync(join(pulled.layers[0]!.dir, 'a/gzip.txt'), 'utf8'), 'from a gzip layer\n');
      assert.equal(readFileSync(join(pulled.layers[1]!.dir, 'a/zstd.txt'), 'utf8'), 'from a zstd layer\n');
      assert.equal(lstatSync(join(pulled.layers[1]!.dir, 'a/big.bin')).size, 300_000);
      assert.equal(readFileSync(join(pulled.layers[2]!.dir, 'a/plain.txt'), 'utf8'), 'from an uncompressed layer\n');

      // The same busybox, converted by skopeo to Docker schema 2 (manifest list + v2 manifests).
      const v2 = await pushImage(busybox, reg, 'busybox-docker:1', { format: 'v2s2' });
      const raw = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${v2.reference}`], { encoding: 'utf8' })) as { mediaType: string };
      assert.equal(raw.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
      const d = await store.pull(v2.reference, 't');
      assert.notEqual(d.manifestDigest, busybox.manifestDigest);
      assert.equal(d.layers[0]!.diffId, busybox.layers[0]!.diffId);
    } finally {
      img.remove();
    }
  });

  test('whiteouts and opaque directories hide lower files under a real overlay mount', async () => {
    const img = await buildImage({
      layers: [
        { files: { 'etc/gone': 'deleted above\n', 'etc/kept': 'kept\n', 'data/a': 'a\n', 'data/sub/b': 'b\n', 'olddir/x': 'x\n' } },
        { files: { 'etc/gone': { whiteout: true }, olddir: { whiteout: true }, data: { opaqueDir: true }, 'data/c': 'c\n' } },
      ],
    });
    const mnt = tempDir('pier-overlay-');
    let mounted = false;
    try {
      const p = await pushImage(img, reg, 'whiteouts:1');
      const store = newStore();
      const pulled = await store.pull(p.reference, 't');
      const [lower, upper] = layerDirs(pulled) as [string, string];
      // The upper layer in overlayfs form: char 0:0 whiteouts, opaque xattr, no .wh. files.
      const wh = lstatSync(join(upper, 'etc/gone'));
      assert.ok(wh.isCharacterDevice());
      assert.equal(wh.rdev, 0);
      assert.ok(lstatSync(join(upper, 'olddir')).isCharacterDevice());
      assert.deepEqual(tree(upper).filter((f) => f.includes('.wh.')), []);
      assert.deepEqual(tree(upper), ['data/', 'data/c', 'etc/', 'etc/gone', 'olddir']);

      execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${upper}:${lower}`, mnt]);
      mounted = true;
      assert.deepEqual(tree(mnt), ['data/', 'data/c', 'etc/', 'etc/kept']);
    } finally {
      if (mounted) execFileSync('umount', [mnt]);
      img.remove();
    }
  });

  test('a layer the image repeats is unpacked once and listed once, at its topmost position', async () => {
    const same = { files: { 'same/f': 'the same bytes\n' } };
    const img = await buildAndPush(reg, 'repeat:1', { layers: [same, { files: { 'mid/f': 'middle\n' } }, same] });
    assert.equal(img.layers[0]!.diffId, img.layers[2]!.diffId);
    const pulled = await newStore().pull(img.reference, 't');
    assert.deepEqual(pulled.layers.map((l) => l.diffId), [img.layers[1]!.diffId, img.layers[0]!.diffId]);
  });

  test('an aborted pull stops with Aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await pullError(newStore().pull(pushed.reference, 't', { signal: ac.signal }));
    assert.equal(err.code, 'Aborted');
  });

  test('missing repository, tag and digest name registry, repository, tag and cause', async () => {
    const store = newStore();
    let err = await pullError(store.pull(`${reg.host}/nope:latest`, 't'));
    assert.equal(err.code, 'NotFound');
    assert.equal(err.message.startsWith(`failed to resolve ref ${reg.host}/nope:latest: not found: repository "nope" does not exist in registry ${reg.host}`), true, err.message);

    err = await pullError(store.pull(`${reg.host}/busybox:nope`, 't'));
    assert.equal(err.code, 'NotFound');
    assert.match(err.message, new RegExp(`tag "nope" does not exist in repository "busybox" of registry ${reg.host} \\(it has tags: 1\\)`));

    const missing = `sha256:${'0'.repeat(64)}`;
    err = await pullError(store.pull(`${reg.host}/busybox@${missing}`, 't'));
    assert.equal(err.code, 'NotFound');
    assert.match(err.message, new RegExp(`manifest ${missing} does not exist`));

    err = await pullError(store.pull('127.0.0.1:5000/UPPER/case', 't'));
    assert.equal(err.code, 'InvalidReference');
    assert.match(err.message, /must be lowercase/);
    assert.deepEqual(await store.holders(), []);
  });

  test('an unreachable registry says connection refused', async () => {
    const closed = await startProxy('127.0.0.1:1');
    await closed.close();
    const store = newStore();
    const err = await pullError(store.pull(`${closed.host}/busybox:1`, 't'));
    assert.equal(err.code, 'Unreachable');
    assert.match(err.message, new RegExp(`cannot reach registry ${closed.host} at http://${closed.host}: connection refused`));
    assert.match(err.message, /retried 1 time/);
  });

  test('a corrupted blob is rejected with a digest error and leaves nothing in the cache', async () => {
    const proxy = await startProxy(reg.host, { corruptDigest: busybox.layers[0]!.digest });
    try {
      const root = tempDir('pier-images-');
      const store = newStore(root);
      const err = await pullError(store.pull(`${proxy.host}/busybox:1`, 'task-corrupt'));
      assert.equal(err.code, 'DigestMismatch');
      assert.match(err.message, new RegExp(`failed to pull layer ${busybox.layers[0]!.digest} of ${proxy.host}/busybox:1: digest mismatch`));
      assert.match(err.message, new RegExp(`the manifest says ${busybox.layers[0]!.digest}`));
      assert.deepEqual(readdirSync(join(root, 'layers/sha256')), []);
      assert.deepEqual(readdirSync(join(root, 'blobs/sha256')), []);
      assert.deepEqual(await store.holders(), []);
      store.close(); // stops the idle tar processes, whose empty directories are in tmp/
      assert.deepEqual(readdirSync(join(root, 'tmp')), []);
      assert.deepEqual(JSON.parse(readFileSync(join(root, 'layers.json'), 'utf8')).layers, {});
      // Not retried: a digest mismatch is not transient.
      assert.equal(proxy.blobGets.get(busybox.layers[0]!.digest), 1);
    } finally {
      await proxy.close();
    }
  });

  test('blob redirects are followed', async () => {
    const proxy = await startProxy(reg.host, { redirectBlobs: true });
    try {
      const store = newStore();
      const img = await store.pull(`${proxy.host}/busybox:1`, 't');
      assert.equal(img.layers[0]!.diffId, busybox.layers[0]!.diffId);
      assert.equal(proxy.blobGets.get(busybox.layers[0]!.digest), 1);
    } finally {
      await proxy.close();
    }
  });

  test('concurrent pulls of one image download and unpack each layer once; cached layers are not fetched again', async () => {
    const img = await buildAndPush(reg, 'three:1', {
      layers: [{ files: { 'l0/f': { random: 2_000_000 } } }, { files: { 'l1/f': { random: 2_000_000 } } }, { files: { 'l2/f': { random: 2_000_000 } } }],
    });
    const proxy = await startProxy(reg.host);
    try {
      const store = newStore();
      const ref = `${proxy.host}/three:1`;
      const results = await Promise.all([store.pull(ref, 'h1'), store.pull(ref, 'h2'), store.pull(ref, 'h3')]);
      for (const l of img.layers) assert.equal(proxy.blobGets.get(l.digest), 1, `layer ${l.digest} fetched once`);
      assert.deepEqual(layerDirs(results[1]!), layerDirs(results[0]!));
      assert.deepEqual(layerDirs(results[2]!), layerDirs(results[0]!));
      for (const l of img.layers) assert.equal(await store.cache.refcount(l.diffId), 3);
      // A later pull of the cached image opens no blob at all.
      await store.pull(ref, 'h4');
      for (const l of img.layers) assert.equal(proxy.blobGets.get(l.digest), 1, `layer ${l.digest} not fetched again`);
      // The registry's own access log agrees (GETs reach it only through the proxy here).
      assert.equal(countBlobGets(reg, img.layers[0]!.digest), 1);
    } finally {
      await proxy.close();
    }
  });

  test('references survive a new store on the same root; GC removes only unreferenced layers, LRU first', async () => {
    // Same bytes, same compressed blob: x and y share their base layer.
    const base = { 'base/f': Buffer.alloc(100_000, 7) };
    const x = await buildAndPush(reg, 'gc-x:1', { layers: [{ files: base }, { files: { x: { random: 50_000 } } }] });
    const y = await buildAndPush(reg, 'gc-y:1', { layers: [{ files: base }, { files: { y: { random: 50_000 } } }] });
    const z = await buildAndPush(reg, 'gc-z:1', { layers: [{ files: { z: { random: 50_000 } } }] });
    assert.equal(x.layers[0]!.diffId, y.layers[0]!.diffId);
    const root = tempDir('pier-images-');
    const first = newStore(root);
    const px = await first.pull(x.reference, 'task-x');
    const py = await first.pull(y.reference, 'task-y');
    const pz = await first.pull(z.reference, 'task-z');
    assert.equal(px.layers[0]!.dir, py.layers[0]!.dir);
    first.close();

    // An agent restart: a new instance on the same root sees the same references.
    const second = newStore(root);
    assert.deepEqual((await second.holders()).sort(), ['task-x', 'task-y', 'task-z']);
    assert.equal(await second.cache.refcount(x.layers[0]!.diffId), 2);
    assert.deepEqual(await second.garbageCollect(0), { removedLayers: 0, freedBytes: 0 });
    for (const d of [...layerDirs(px), ...layerDirs(py), ...layerDirs(pz)]) assert.ok(existsSync(d));

    await second.release('task-z');
    await new Promise((r) => setTimeout(r, 5));
    await second.release('task-x');
    await second.release('task-x'); // idempotent
    const usage = await second.usage();
    assert.equal(usage.layers, 4);
    assert.equal(usage.referencedLayers, 2, "y's two layers");

    // A budget with room for all but one layer: z, released first, goes.
    const bytes = (p: PulledImage, b: BuiltImage, i: number): number => p.layers[i]!.size + b.layers[i]!.size;
    const gc1 = await second.garbageCollect(usage.bytes - bytes(pz, z, 0));
    assert.deepEqual(gc1, { removedLayers: 1, freedBytes: bytes(pz, z, 0) });
    assert.ok(!existsSync(pz.layers[0]!.dir));
    assert.ok(!existsSync(join(second.content.blobsDir, z.layers[0]!.digest.slice(7))));
    assert.ok(existsSync(px.layers[1]!.dir));

    // Everything unreferenced: x's top layer; the base stays for task-y.
    const gc2 = await second.garbageCollect(0);
    assert.deepEqual(gc2, { removedLayers: 1, freedBytes: bytes(px, x, 1) });
    assert.ok(!existsSync(px.layers[1]!.dir));
    for (const d of layerDirs(py)) assert.ok(existsSync(d), 'held by task-y');

    await second.release('task-y');
    assert.equal((await second.garbageCollect(0)).removedLayers, 2);
    assert.deepEqual(readdirSync(join(root, 'layers/sha256')), []);
    assert.deepEqual(readdirSync(join(root, 'blobs/sha256')), []);
  });

  test('a restart cleans up interrupted pulls and layers that were never recorded', async () => {
    const root = tempDir('pier-images-');
    const first = newStore(root);
    await first.pull(pushed.reference, 'keep');
    first.close();
    const orphanLayer = join(root, 'layers/sha256', 'a'.repeat(64));
    mkdirSync(join(orphanLayer, 'etc'), { recursive: true });
    mkdirSync(join(root, 'tmp/layer-interrupted/x'), { recursive: true });
    const second = newStore(root);
    await second.init();
    assert.ok(!existsSync(orphanLayer));
    assert.ok(!existsSync(join(root, 'tmp/layer-interrupted')));
    second.close();
    assert.deepEqual(readdirSync(join(root, 'tmp')), []);
    assert.deepEqual(readdirSync(join(root, 'layers/sha256')), [busybox.layers[0]!.diffId.slice(7)]);
    assert.deepEqual(await second.holders(), ['keep']);
  });
});

describe('LocalImageStore with registry auth', { skip: isRoot ? false : 'needs root' }, () => {
  let basic: TestRegistry;
  let token: TestRegistry;
  let img: BuiltImage;
  let basicRef: string;
  let tokenRef: string;

  before(async () => {
    [basic, token, img] = await Promise.all([startRegistry({ auth: 'basic' }), startRegistry({ auth: 'token' }), buildBusyboxImage()]);
    basicRef = (await pushImage(img, basic, 'private/busybox:1')).reference;
    tokenRef = (await pushImage(img, token, 'private/busybox:1')).reference;
    await pushImage(img, token, 'private/busybox:2');
  });

  after(async () => {
    for (const s of stores) s.close();
    await Promise.all([basic?.stop(), token?.stop()]);
    img?.remove();
  });

  test('basic auth: right credentials pull, wrong password and none are clear errors', async () => {
    const store = newStore();
    const ok = await store.pull(basicRef, 't', { credentials: { username: basic.username!, password: basic.password! } });
    assert.equal(ok.manifestDigest, img.manifestDigest);

    const wrong = await pullError(newStore().pull(basicRef, 't', { credentials: { username: basic.username!, password: 'wrong' } }));
    assert.equal(wrong.code, 'Unauthorized');
    assert.match(wrong.message, new RegExp(`^failed to resolve ref ${basicRef}: unauthorized: the registry rejected the credentials for user "pier"`));
    assert.match(wrong.message, new RegExp(`registry ${basic.host}, repository "private/busybox", tag "1"`));

    const none = await pullError(newStore().pull(basicRef, 't'));
    assert.equal(none.code, 'Unauthorized');
    assert.match(none.message, /requires authentication .* no credentials were given/);
  });

  test('token auth: the token is fetched with basic credentials and reused', async () => {
    const store = newStore();
    const creds = { username: token.username!, password: token.password! };
    const before = token.tokenRequests;
    const a = await store.pull(tokenRef, 't1', { credentials: creds });
    assert.equal(a.manifestDigest, img.manifestDigest);
    const afterFirst = token.tokenRequests;
    assert.equal(afterFirst - before, 1, 'one token for the repository scope');
    await store.pull(tokenRef.replace(/:1$/, ':2'), 't2', { credentials: creds });
    assert.equal(token.tokenRequests, afterFirst, 'the cached token is reused');

    // Same store, same user, wrong password: the cached token is not reused.
    const wrongSameStore = await pullError(store.pull(tokenRef, 't3', { credentials: { ...creds, password: 'nope' } }));
    assert.equal(wrongSameStore.code, 'Unauthorized');

    const wrong = await pullError(newStore().pull(tokenRef, 't', { credentials: { ...creds, password: 'nope' } }));
    assert.equal(wrong.code, 'Unauthorized');
    assert.match(wrong.message, /rejected the credentials for user "pier" \(token server http:\/\/127\.0\.0\.1:\d+ answered HTTP 401\)/);

    const anonymous = await pullError(newStore().pull(tokenRef, 't'));
    assert.equal(anonymous.code, 'Unauthorized');
    assert.match(anonymous.message, /requires authentication/);
  });
});

after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});
