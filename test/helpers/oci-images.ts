/**
 * Builds OCI image layouts from files on this machine and pushes them to a registry with skopeo.
 * No Docker needed.
 *
 *   const img = await buildBusyboxImage();                 // /bin/busybox + applet links, /etc/passwd, /tmp
 *   const { reference } = await pushImage(img, reg, 'busybox:1');   // reg from test/helpers/registry.ts
 *   img.remove();                                          // the layout's temp dir
 *
 *   buildBusyboxImage({ config: { Cmd: ['httpd', '-f'] }, extraLayers: [{ files: { 'www/index.html': 'hi' } }] })
 *   buildNodeImage()        the host's node binary (at its host path; Entrypoint) with the shared
 *                           libraries ldd lists, on busybox for sh; zstd layers unless told (≈ 1 s)
 *   buildImage({ layers: [{ files: { 'etc/motd': 'hi', 'bin/x': { from: '/bin/true', mode: 0o755 },
 *                                    'old': { whiteout: true }, 'data': { opaqueDir: true },
 *                                    'big': { random: 10 << 20 }, 'sh': { symlink: 'busybox' } } }],
 *               config: { Cmd: ['sh'] }, compression: 'gzip' | 'zstd' | 'none', index: true })
 *   buildAndPush(reg, 'app:1', { layers: … })   build, push, remove the layout; returns both results
 *   randomLayers(100e6, 4)  layers of random (incompressible) files adding up to a size
 *
 * Pushed images keep their digests (skopeo --preserve-digests), so `img.manifestDigest` is what a
 * pull by tag resolves to; `pushImage(…, { format: 'v2s2' })` converts to Docker media types.
 *
 * Layers are tar files written here (ustar/pax, uid/gid 0, mtime 0, parents added as 0755 dirs),
 * compressed with the gzip / zstd programs; digests and diffIDs are computed from the bytes written.
 * `index: true` wraps the image in an OCI index with this host's platform plus a decoy image for
 * another architecture (arm64 here; amd64 on arm64 hosts) whose only file is /decoy.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, readdirSync, readlinkSync, mkdtempSync, openSync, readSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, writeSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { hostPlatform } from '../../src/agent/images/registry-client.js';
import { OPAQUE_MARKER, WHITEOUT_PREFIX, padding, tarEnd, tarHeader, type TarHeaderInput } from '../../src/agent/images/tar.js';
import type { ImageRuntimeConfig } from '../../src/agent/images/image-store.js';
import { REPO_ROOT } from './pier-process.js';

const execFileAsync = promisify(execFile);

export type Compression = 'gzip' | 'zstd' | 'none';

export type FileSpec =
  | string
  | Buffer
  | { content: string | Buffer; mode?: number; uid?: number; gid?: number }
  | { from: string; mode?: number; uid?: number; gid?: number }
  | { random: number; mode?: number }
  | { symlink: string }
  | { hardlink: string }
  | { dir: true; mode?: number; uid?: number; gid?: number }
  /** `.wh.<name>` in this layer: hides `<name>` of lower layers. */
  | { whiteout: true }
  /** The directory plus `.wh..wh..opq`: hides what lower layers have in it. */
  | { opaqueDir: true; mode?: number };

export interface LayerSpec {
  /** Paths relative to the image root ("/bin/sh" and "bin/sh" are the same). */
  files: Record<string, FileSpec>;
  /** Overrides the image's compression for this layer. */
  compression?: Compression;
}

/** The image config a test image gets: the same fields the agent reads from pulled images. */
export type ImageConfigSpec = ImageRuntimeConfig;

export interface BuildImageOptions {
  layers: LayerSpec[];
  config?: ImageConfigSpec;
  /** Default gzip. */
  compression?: Compression;
  /** Wrap in an OCI index with a decoy for another architecture. */
  index?: boolean;
  /** Tag inside the layout (default "latest"). */
  tag?: string;
}

export interface BuiltLayer {
  digest: string;
  diffId: string;
  /** Compressed size. */
  size: number;
  mediaType: string;
}

export interface BuiltImage {
  /** The OCI layout directory (a temp dir; `remove()` deletes it). */
  layoutDir: string;
  tag: string;
  manifestDigest: string;
  configDigest: string;
  /** Set when built with `index: true`. */
  indexDigest?: string;
  /** What the tag points at: the index digest when there is an index, else the manifest digest. */
  digest: string;
  layers: BuiltLayer[];
  config: ImageConfigSpec;
  /** Sum of compressed layer sizes. */
  bytes: number;
  remove(): void;
}

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const MT = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: { gzip: 'application/vnd.oci.image.layer.v1.tar+gzip', zstd: 'application/vnd.oci.image.layer.v1.tar+zstd', none: 'application/vnd.oci.image.layer.v1.tar' },
} as const;

function sha256(b: Buffer | string): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return `sha256:${h.digest('hex')}`;
}

function norm(p: string): string {
  const s = posix.normalize(p.replace(/^\/+/, '')).replace(/\/+$/, '');
  if (s === '.' || s === '' || s.startsWith('..')) throw new Error(`bad image path "${p}"`);
  return s;
}

/** Writes a layer tar to `path`; returns its diffID. */
function writeLayerTar(path: string, files: Record<string, FileSpec>): string {
  const fd = openSync(path, 'w');
  const hash = createHash('sha256');
  const put = (b: Buffer): void => {
    hash.update(b);
    let off = 0;
    while (off < b.length) off += writeSync(fd, b, off);
  };
  const entries = Object.entries(files).map(([p, spec]) => [norm(p), spec] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const declaredDirs = new Set(entries.filter(([, s]) => typeof s === 'object' && !Buffer.isBuffer(s) && ('dir' in s || 'opaqueDir' in s)).map(([p]) => p));
  const written = new Set<string>();
  const ensureParents = (p: string): void => {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (written.has(d) || declaredDirs.has(d)) continue;
      written.add(d);
      put(tarHeader({ path: d, type: 'dir', mode: 0o755 }));
    }
  };
  const header = (h: TarHeaderInput): void => {
    ensureParents(h.path);
    put(tarHeader(h));
  };
  const data = (size: number, fill: (buf: Buffer) => number): void => {
    const chunk = Buffer.alloc(Math.min(size, 1 << 20) || 1);
    let left = size;
    while (left > 0) {
      const n = fill(chunk.subarray(0, Math.min(left, chunk.length)));
      if (n <= 0) throw new Error('source file shrank while writing the layer');
      put(chunk.subarray(0, n));
      left -= n;
    }
    put(Buffer.alloc(padding(size)));
  };
  for (const [p, spec] of entries) {
    if (typeof spec === 'string' || Buffer.isBuffer(spec)) {
      const b = Buffer.from(spec);
      header({ path: p, type: 'file', size: b.length, mode: 0o644 });
      put(b);
      put(Buffer.alloc(padding(b.length)));
    } else if ('content' in spec) {
      const b = Buffer.from(spec.content);
      header({ path: p, type: 'file', size: b.length, mode: spec.mode ?? 0o644, uid: spec.uid ?? 0, gid: spec.gid ?? 0 });
      put(b);
      put(Buffer.alloc(padding(b.length)));
    } else if ('from' in spec) {
      const st = statSync(spec.from);
      header({ path: p, type: 'file', size: st.size, mode: spec.mode ?? st.mode & 0o7777, uid: spec.uid ?? 0, gid: spec.gid ?? 0 });
      const src = openSync(spec.from, 'r');
      try {
        data(st.size, (buf) => readSync(src, buf, 0, buf.length, null));
      } finally {
        closeSync(src);
      }
    } else if ('random' in spec) {
      header({ path: p, type: 'file', size: spec.random, mode: spec.mode ?? 0o644 });
      data(spec.random, (buf) => {
        randomFillSync(buf);
        return buf.length;
      });
    } else if ('symlink' in spec) {
      header({ path: p, type: 'symlink', linkpath: spec.symlink, mode: 0o777 });
    } else if ('hardlink' in spec) {
      header({ path: p, type: 'hardlink', linkpath: norm(spec.hardlink) });
    } else if ('dir' in spec) {
      written.add(p);
      header({ path: p, type: 'dir', mode: spec.mode ?? 0o755, uid: spec.uid ?? 0, gid: spec.gid ?? 0 });
    } else if ('whiteout' in spec) {
      header({ path: posix.join(posix.dirname(p), `${WHITEOUT_PREFIX}${posix.basename(p)}`), type: 'file', size: 0, mode: 0o644 });
    } else if ('opaqueDir' in spec) {
      written.add(p);
      header({ path: p, type: 'dir', mode: spec.mode ?? 0o755 });
      header({ path: `${p}/${OPAQUE_MARKER}`, type: 'file', size: 0, mode: 0o644 });
    }
  }
  put(tarEnd());
  closeSync(fd);
  return `sha256:${hash.digest('hex')}`;
}

async function compress(tarPath: string, c: Compression): Promise<string> {
  if (c === 'none') return tarPath;
  const out = `${tarPath}.${c === 'gzip' ? 'gz' : 'zst'}`;
  const [cmd, args] = c === 'gzip' ? ['gzip', ['-c', '-n', '-6', tarPath]] : ['zstd', ['-c', '-q', '-3', '-T0', tarPath]];
  const fd = openSync(out, 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: ['ignore', fd, 'inherit'] });
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
    });
  } finally {
    closeSync(fd);
  }
  rmSync(tarPath);
  return out;
}

class Layout {
  readonly blobs: string;
  constructor(readonly dir: string) {
    this.blobs = join(dir, 'blobs', 'sha256');
    mkdirSync(this.blobs, { recursive: true });
    writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  }
  putJson(obj: unknown): { digest: string; size: number } {
    const b = Buffer.from(JSON.stringify(obj));
    const digest = sha256(b);
    writeFileSync(join(this.blobs, digest.slice(7)), b);
    return { digest, size: b.length };
  }
  async putLayer(files: Record<string, FileSpec>, c: Compression): Promise<BuiltLayer> {
    const tmp = join(this.dir, `layer-${Math.random().toString(36).slice(2)}.tar`);
    const diffId = writeLayerTar(tmp, files);
    const blob = await compress(tmp, c);
    const digest = await sha256File(blob);
    const size = statSync(blob).size;
    renameSync(blob, join(this.blobs, digest.slice(7)));
    return { digest, diffId, size, mediaType: MT.layer[c] };
  }
  async putImage(layers: LayerSpec[], config: ImageConfigSpec, c: Compression, platform: { os: string; architecture: string; variant?: string }) {
    const built: BuiltLayer[] = [];
    for (const l of layers) built.push(await this.putLayer(l.files, l.compression ?? c));
    const cfg = this.putJson({
      created: '1970-01-01T00:00:00Z',
      architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}),
      config: config,
      rootfs: { type: 'layers', diff_ids: built.map((l) => l.diffId) },
      history: built.map(() => ({ created: '1970-01-01T00:00:00Z', created_by: 'pier test/helpers/oci-images.ts' })),
    });
    const manifest = this.putJson({
      schemaVersion: 2, mediaType: MT.manifest,
      config: { mediaType: MT.config, digest: cfg.digest, size: cfg.size },
      layers: built.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    });
    return { built, configDigest: cfg.digest, manifest };
  }
}

/** Layouts not removed yet: removed when the process exits (a crashed test leaves no temp dirs). */
const layouts = new Set<string>();
process.once('exit', () => {
  for (const d of layouts) rmSync(d, { recursive: true, force: true });
});

export async function buildImage(opts: BuildImageOptions): Promise<BuiltImage> {
  const tag = opts.tag ?? 'latest';
  const dir = mkdtempSync(join(tmpdir(), 'pier-oci-'));
  layouts.add(dir);
  try {
    const layout = new Layout(dir);
    const c = opts.compression ?? 'gzip';
    const config: ImageConfigSpec = { Env: [DEFAULT_PATH], ...opts.config };
    const host = hostPlatform();
    const main = await layout.putImage(opts.layers, config, c, host);
    let top = { mediaType: MT.manifest as string, ...main.manifest };
    let indexDigest: string | undefined;
    if (opts.index) {
      const decoyPlatform = host.architecture === 'arm64' ? { os: 'linux', architecture: 'amd64' } : { os: 'linux', architecture: 'arm64', variant: 'v8' };
      const decoy = await layout.putImage([{ files: { decoy: `decoy image for ${decoyPlatform.architecture}\n` } }], { Cmd: ['/decoy'] }, c, decoyPlatform);
      const index = layout.putJson({
        schemaVersion: 2, mediaType: MT.index,
        manifests: [
          { mediaType: MT.manifest, ...decoy.manifest, platform: decoyPlatform },
          { mediaType: MT.manifest, ...main.manifest, platform: { os: host.os, architecture: host.architecture, ...(host.variant ? { variant: host.variant } : {}) } },
        ],
      });
      indexDigest = index.digest;
      top = { mediaType: MT.index, ...index };
    }
    writeFileSync(join(dir, 'index.json'), JSON.stringify({
      schemaVersion: 2, mediaType: MT.index,
      manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }));
    return {
      layoutDir: dir, tag,
      manifestDigest: main.manifest.digest, configDigest: main.configDigest,
      ...(indexDigest ? { indexDigest } : {}),
      digest: indexDigest ?? main.manifest.digest,
      layers: main.built, config,
      bytes: main.built.reduce((n, l) => n + l.size, 0),
      remove: () => {
        rmSync(dir, { recursive: true, force: true });
        layouts.delete(dir);
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    layouts.delete(dir);
    throw err;
  }
}

const BUSYBOX = '/bin/busybox';

/** The base files of the busybox image: busybox, a link per applet, passwd/group, /tmp, /root. */
export function busyboxFiles(): Record<string, FileSpec> {
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => /^[\w.[\]-]+$/.test(a) && a !== 'busybox');
  const files: Record<string, FileSpec> = {
    'bin/busybox': { from: BUSYBOX, mode: 0o755 },
    'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    'etc/group': 'root:x:0:\nnogroup:x:65534:\n',
    'etc/hostname': 'pier\n',
    tmp: { dir: true, mode: 0o1777 },
    root: { dir: true, mode: 0o700 },
    proc: { dir: true },
    sys: { dir: true },
    dev: { dir: true },
    etc: { dir: true },
  };
  for (const a of applets) files[`bin/${a}`] = { symlink: 'busybox' };
  return files;
}

export interface BusyboxImageOptions {
  config?: ImageConfigSpec;
  compression?: Compression;
  index?: boolean;
  /** Layers stacked on top of the busybox layer. */
  extraLayers?: LayerSpec[];
  tag?: string;
}

/** busybox-static with applet links, /etc/passwd (root, nobody 65534) and /tmp; Cmd ["sh"]. */
export function buildBusyboxImage(opts: BusyboxImageOptions = {}): Promise<BuiltImage> {
  return buildImage({
    layers: [{ files: busyboxFiles() }, ...(opts.extraLayers ?? [])],
    config: { Cmd: ['sh'], ...opts.config },
    ...(opts.compression ? { compression: opts.compression } : {}),
    ...(opts.index !== undefined ? { index: opts.index } : {}),
    ...(opts.tag ? { tag: opts.tag } : {}),
  });
}

/** The host's node binary (at its host path) with the shared libraries ldd lists, on top of busybox. Entrypoint node. */
export function buildNodeImage(opts: BusyboxImageOptions = {}): Promise<BuiltImage> {
  const nodePath = realpathSync(process.execPath);
  const files: Record<string, FileSpec> = { [nodePath]: { from: nodePath, mode: 0o755 } };
  const ldd = execFileSync('ldd', [nodePath], { encoding: 'utf8' });
  for (const line of ldd.split('\n')) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (!m) continue;
    // Keep the path the loader asks for (e.g. /lib64/ld-linux-x86-64.so.2) and store the real file there.
    files[m[1]!] = { from: realpathSync(m[1]!), mode: 0o755 };
  }
  if (nodePath !== '/usr/local/bin/node') files['usr/local/bin/node'] = { symlink: nodePath };
  return buildImage({
    layers: [{ files: busyboxFiles() }, { files }, ...(opts.extraLayers ?? [])],
    config: { Entrypoint: [nodePath], ...opts.config },
    compression: opts.compression ?? 'zstd',
    ...(opts.index !== undefined ? { index: opts.index } : {}),
    ...(opts.tag ? { tag: opts.tag } : {}),
  });
}

/**
 * The named packages of this project's node_modules and everything they depend on, under
 * `<into>/node_modules` (so a program in `<into>` can import them): for a Node.js image whose
 * program uses, say, the AWS SDK.
 */
export function nodePackagesLayer(packages: readonly string[], into = 'app'): LayerSpec {
  const root = join(REPO_ROOT, 'node_modules');
  const files: Record<string, FileSpec> = {};
  const seen = new Set<string>();
  const addTree = (hostDir: string, imageDir: string): void => {
    for (const entry of readdirSync(hostDir, { withFileTypes: true })) {
      const from = join(hostDir, entry.name);
      const to = posix.join(imageDir, entry.name);
      if (entry.isSymbolicLink()) files[to] = { symlink: readlinkSync(from) };
      else if (entry.isDirectory()) addTree(from, to);
      else if (entry.isFile()) files[to] = { from, mode: statSync(from).mode & 0o777 };
    }
  };
  const queue = [...packages];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const dir = join(root, name);
    addTree(dir, posix.join(into, 'node_modules', name));
    // Nested packages came along with their parent's tree, but they (like the parent) may need
    // hoisted ones at the top: queue the dependencies of every package.json in the tree.
    for (const manifestPath of packageManifests(dir)) {
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { dependencies?: Record<string, string> };
      for (const dep of Object.keys(manifest.dependencies ?? {})) if (existsSync(join(root, dep))) queue.push(dep);
    }
  }
  return { files, compression: 'zstd' };
}

/** The package.json of a package directory and of every package nested in its node_modules. */
function packageManifests(dir: string): string[] {
  const out = [join(dir, 'package.json')];
  const nested = join(dir, 'node_modules');
  if (!existsSync(nested)) return out;
  for (const entry of readdirSync(nested, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const scoped = entry.name.startsWith('@') ? readdirSync(join(nested, entry.name)).map((n) => join(nested, entry.name, n)) : [join(nested, entry.name)];
    for (const pkg of scoped) if (existsSync(join(pkg, 'package.json'))) out.push(...packageManifests(pkg));
  }
  return out;
}

/**
 * Layers of random (incompressible) data adding up to about `totalBytes`, each with `filesPerLayer`
 * files (for benchmarks: the image size is what crosses the wire).
 */
export function randomLayers(totalBytes: number, layerCount: number, filesPerLayer = 4): LayerSpec[] {
  const perLayer = Math.floor(totalBytes / layerCount);
  const perFile = Math.max(1, Math.floor(perLayer / filesPerLayer));
  return Array.from({ length: layerCount }, (_, l) => ({
    files: Object.fromEntries(Array.from({ length: filesPerLayer }, (_, f) => [`data/layer${l}/file${f}.bin`, { random: perFile } as FileSpec])),
  }));
}

export interface PushTarget {
  host: string;
  username?: string;
  password?: string;
}

export interface PushedImage {
  /** "host/repo:tag". */
  reference: string;
  /** "host/repo@<digest>" (the index digest for an index). */
  digestReference: string;
  /** The digest the registry holds for the tag (the manifest list's, after a --format conversion). */
  digest: string;
}

/**
 * `skopeo copy --all oci:<layout>:<tag> docker://<host>/<repoTag>` (plain HTTP, with the registry's
 * credentials when it has them). `format: 'v2s2'` converts to Docker schema 2 media types
 * (gzip layers only; digests of manifests change, layers stay).
 */
export async function pushImage(image: BuiltImage, registry: PushTarget, repoTag: string, opts: { format?: 'oci' | 'v2s2' } = {}): Promise<PushedImage> {
  const digestFile = join(image.layoutDir, `pushed-${Math.random().toString(36).slice(2)}.digest`);
  const args = ['copy', '--insecure-policy', '--all', '--dest-tls-verify=false', '--digestfile', digestFile, '-q'];
  if (registry.username !== undefined) args.push('--dest-creds', `${registry.username}:${registry.password ?? ''}`);
  if (opts.format) args.push('--format', opts.format);
  else args.push('--preserve-digests');
  const ref = `${registry.host}/${repoTag.includes(':') ? repoTag : `${repoTag}:latest`}`;
  args.push(`oci:${image.layoutDir}:${image.tag}`, `docker://${ref}`);
  try {
    await execFileAsync('skopeo', args, { maxBuffer: 16 << 20 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`skopeo copy to ${ref} failed: ${e.stderr?.trim() || e.message}`);
  }
  const digest = readFileSync(digestFile, 'utf8').trim();
  rmSync(digestFile, { force: true });
  const repo = ref.slice(0, ref.lastIndexOf(':'));
  return { reference: ref, digestReference: `${repo}@${digest}`, digest };
}

/** buildImage + pushImage; the layout is removed after the push. */
export async function buildAndPush(registry: PushTarget, repoTag: string, opts: BuildImageOptions): Promise<BuiltImage & PushedImage> {
  const img = await buildImage(opts);
  try {
    return { ...img, ...(await pushImage(img, registry, repoTag)) };
  } finally {
    img.remove();
  }
}
