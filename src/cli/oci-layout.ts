/**
 * Reads an OCI image layout (a directory with `oci-layout` and `index.json`, or an OCI archive:
 * the same as a tar file) for `pier image push`: which manifest to push and where its blobs are.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UsageError } from './args.js';

export interface LayoutDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Record<string, string>;
}

export interface OpenedLayout {
  readonly dir: string;
  /** The layout's index.json entries (what `--name`'s tag or the only entry picks from). */
  readonly entries: readonly LayoutDescriptor[];
  blobPath(digest: string): string;
  readBlob(digest: string): Buffer;
  /** Removes the temp dir an archive was unpacked into. */
  close(): void;
}

export const REF_NAME = 'org.opencontainers.image.ref.name';

/** Opens a layout directory, or unpacks an OCI archive (tar) into a temp dir first. */
export async function openLayout(path: string): Promise<OpenedLayout> {
  if (!existsSync(path)) throw new UsageError(`${path}: no such file or directory`);
  let dir = path;
  let temp: string | undefined;
  if (!statSync(path).isDirectory()) {
    temp = mkdtempSync(join(tmpdir(), 'pier-image-'));
    try {
      await promisify(execFile)('tar', ['-xf', path, '-C', temp]);
    } catch (err) {
      rmSync(temp, { recursive: true, force: true });
      throw new UsageError(`${path} is neither a directory nor a readable tar archive: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
    }
    dir = temp;
  }
  const close = (): void => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  };
  if (!existsSync(join(dir, 'oci-layout')) || !existsSync(join(dir, 'index.json'))) {
    close();
    throw new UsageError(`${path} is not an OCI image layout (no oci-layout and index.json); make one with e.g. 'skopeo copy docker-archive:img.tar oci:DIR:tag' or 'buildah push IMAGE oci-archive:img.tar'`);
  }
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests?: LayoutDescriptor[] };
  const blobPath = (digest: string): string => {
    const [algorithm, hex] = digest.split(':');
    if (algorithm !== 'sha256' || !/^[a-f0-9]{64}$/.test(hex ?? '')) throw new Error(`unsupported digest ${digest} in the layout`);
    return join(dir, 'blobs', algorithm, hex!);
  };
  return { dir, entries: index.manifests ?? [], blobPath, readBlob: (d) => readFileSync(blobPath(d)), close };
}

/** The entry to push: the one whose ref name is `tag`, else the only one. */
export function pickEntry(layout: OpenedLayout, tag: string | undefined): LayoutDescriptor {
  const named = (e: LayoutDescriptor): string | undefined => e.annotations?.[REF_NAME];
  if (tag !== undefined) {
    const match = layout.entries.find((e) => named(e) === tag || named(e)?.endsWith(`:${tag}`));
    if (match) return match;
  }
  if (layout.entries.length === 1) return layout.entries[0]!;
  const names = layout.entries.map((e) => named(e) ?? e.digest).join(', ');
  throw new UsageError(`the layout holds ${layout.entries.length} images (${names}); say which with --name REPO:TAG, TAG being one of their names`);
}
