/**
 * Builds a sample's image as an OCI image layout with no network and no image tools: a base layer
 * of this machine's /bin/busybox (Debian's busybox-static: one static binary, a link per applet,
 * passwd and group files) and a layer of the sample's `rootfs/` directory, with the image config
 * in the sample's `image.json`. Layers are gzipped tars with fixed owners and times, so the same
 * inputs give the same digests and a second push uploads nothing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';
import { hostPlatform } from '../agent/images/registry-client.js';
import { padding, tarEnd, tarHeader, type TarHeaderInput } from '../agent/images/tar.js';
import { MediaTypes } from '../lib/oci-media-types.js';
import { UsageError } from './args.js';

export const BUSYBOX = '/bin/busybox';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** One member of a layer: a file's bytes, a directory or a symlink. */
type Entry = { path: string; mode: number } & ({ data: Buffer } | { dir: true } | { symlink: string });

export interface BuiltLayout {
  readonly dir: string;
  /** The image manifest's digest (what a pull by tag resolves to). */
  readonly digest: string;
  /** Bytes of the compressed layers. */
  readonly bytes: number;
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function busyboxEntries(): Entry[] {
  if (!existsSync(BUSYBOX)) throw new UsageError(`${BUSYBOX} is missing: install Debian's busybox-static (apt-get install busybox-static; scripts/setup.sh does)`);
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => /^[\w.[\]-]+$/.test(a) && a !== 'busybox');
  const text = (path: string, s: string): Entry => ({ path, mode: 0o644, data: Buffer.from(s) });
  return [
    ...['bin', 'etc', 'dev', 'proc', 'sys'].map((path): Entry => ({ path, mode: 0o755, dir: true })),
    { path: 'tmp', mode: 0o1777, dir: true },
    { path: 'root', mode: 0o700, dir: true },
    { path: 'bin/busybox', mode: 0o755, data: readFileSync(BUSYBOX) },
    ...applets.map((a): Entry => ({ path: `bin/${a}`, mode: 0o777, symlink: 'busybox' })),
    text('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n'),
    text('etc/group', 'root:x:0:\nnogroup:x:65534:\n'),
  ];
}

/** Every file, directory and symlink under `root`. */
function treeEntries(root: string, rel = ''): Entry[] {
  const out: Entry[] = [];
  for (const name of readdirSync(join(root, rel)).sort()) {
    const path = rel ? posix.join(rel, name) : name;
    const full = join(root, path);
    const st = lstatSync(full);
    // Modes as git keeps them (executable or not), whatever the checkout's umask: same digests everywhere.
    if (st.isDirectory()) out.push({ path, mode: 0o755, dir: true }, ...treeEntries(root, path));
    else if (st.isSymbolicLink()) out.push({ path, mode: 0o777, symlink: readlinkSync(full) });
    else if (st.isFile()) out.push({ path, mode: st.mode & 0o111 ? 0o755 : 0o644, data: readFileSync(full) });
  }
  return out;
}

function tarOf(entries: readonly Entry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const h: TarHeaderInput = 'data' in e ? { path: e.path, type: 'file', mode: e.mode, size: e.data.length }
      : 'dir' in e ? { path: e.path, type: 'dir', mode: e.mode } : { path: e.path, type: 'symlink', mode: e.mode, linkpath: e.symlink };
    parts.push(tarHeader(h));
    if ('data' in e) parts.push(e.data, Buffer.alloc(padding(e.data.length)));
  }
  parts.push(tarEnd());
  return Buffer.concat(parts);
}

/** Builds the image of the sample in `sampleDir` (rootfs/ and image.json) as an OCI layout in `outDir`, tagged `tag`. */
export function buildSampleLayout(sampleDir: string, outDir: string, tag: string): BuiltLayout {
  const configFile = join(sampleDir, 'image.json');
  if (!existsSync(configFile)) throw new UsageError(`${sampleDir} is not a sample: it has no image.json`);
  const blobs = join(outDir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer): { digest: string; size: number } => {
    const digest = sha256(b);
    writeFileSync(join(blobs, digest.slice(7)), b);
    return { digest, size: b.length };
  };
  const layers = [busyboxEntries(), treeEntries(join(sampleDir, 'rootfs'))].map((entries) => {
    const tar = tarOf(entries);
    return { diffId: sha256(tar), ...put(gzipSync(tar, { level: 6 })) };
  });
  const imageConfig = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  const platform = hostPlatform();
  const config = put(Buffer.from(JSON.stringify({
    created: '1970-01-01T00:00:00Z', ...platform,
    config: { Env: [PATH_ENV], ...imageConfig },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: [{ created_by: `${BUSYBOX} (busybox-static)` }, { created_by: `pier sample build (${basename(sampleDir)})` }],
  })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MediaTypes.OciManifest,
    config: { mediaType: MediaTypes.OciConfig, ...config },
    layers: layers.map((l) => ({ mediaType: MediaTypes.OciLayerGzip, digest: l.digest, size: l.size })),
  })));
  writeFileSync(join(outDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(outDir, 'index.json'), JSON.stringify({
    schemaVersion: 2, mediaType: MediaTypes.OciIndex,
    manifests: [{ mediaType: MediaTypes.OciManifest, ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }],
  }));
  return { dir: outDir, digest: manifest.digest, bytes: layers.reduce((n, l) => n + l.size, 0) };
}
