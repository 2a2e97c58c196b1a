/**
 * Repositories, their images and tags, on the file system beside the blobs:
 *
 *   <root>/<encodeURIComponent(name)>/repository.json   settings (ECR's Repository fields)
 *                                    /layers/<hex>        blobs pushed or mounted into it (empty files)
 *                                    /manifests/<hex>.json one per image: media type, sizes, push time
 *                                    /tags/<tag>           the digest the tag names
 *
 * Every file is written whole (temp, fsync, rename), so readers never see a torn one. The manifest
 * bytes themselves are blobs in the blob store. Names are ECR repository names (lowercase, `/` allowed),
 * so one flat directory per repository is enough; a repository disappears at once on delete
 * (renamed aside, then removed).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDigest } from './digest.js';
import { writeDurably } from './durable-file.js';

export interface RepositoryRecord {
  readonly repositoryName: string;
  readonly createdAt: number;
  readonly imageTagMutability: string;
  readonly scanOnPush: boolean;
  readonly encryptionType: string;
  readonly kmsKey?: string;
  readonly tags: readonly { Key: string; Value: string }[];
}

export interface ManifestRecord {
  readonly mediaType: string;
  /** Bytes of the manifest itself. */
  readonly size: number;
  /** ECR's imageSizeInBytes: layers for an image, the largest child for an index. */
  readonly imageSizeInBytes: number;
  readonly artifactMediaType?: string;
  readonly children: readonly string[];
  readonly pushedAt: number;
}

export interface ImageRecord extends ManifestRecord {
  readonly digest: string;
  readonly tags: readonly string[];
}

/** Tags as the distribution spec allows them. */
export const TAG_PATTERN = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

const missing = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT';

export class RepositoryStore {
  constructor(private readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  /** Creates the repository; false when one of that name exists. */
  async create(record: RepositoryRecord): Promise<boolean> {
    const dir = this.dir(record.repositoryName);
    try {
      await mkdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    for (const sub of ['layers', 'manifests', 'tags']) await mkdir(join(dir, sub));
    await writeDurably(join(dir, 'repository.json'), JSON.stringify(record));
    return true;
  }

  async get(name: string): Promise<RepositoryRecord | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir(name), 'repository.json'), 'utf8')) as RepositoryRecord;
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  }

  /** Every repository, by name. */
  async list(): Promise<RepositoryRecord[]> {
    const names = (await readdir(this.root)).filter((n) => !n.startsWith('.')).map(decodeURIComponent).sort();
    const out: RepositoryRecord[] = [];
    for (const name of names) {
      const r = await this.get(name);
      if (r) out.push(r);
    }
    return out;
  }

  async remove(name: string): Promise<void> {
    const aside = join(this.root, `.deleted-${randomBytes(6).toString('hex')}`);
    await rename(this.dir(name), aside);
    await rm(aside, { recursive: true, force: true });
  }

  async clear(): Promise<void> {
    for (const entry of await readdir(this.root)) {
      if (!entry.startsWith('.deleted-')) await this.remove(decodeURIComponent(entry)).catch(() => undefined);
      else await rm(join(this.root, entry), { recursive: true, force: true });
    }
  }

  async linkBlob(name: string, digest: string): Promise<void> {
    await writeFile(join(this.dir(name), 'layers', parseDigest(digest)), '');
  }

  async hasBlob(name: string, digest: string): Promise<boolean> {
    return exists(join(this.dir(name), 'layers', parseDigest(digest)));
  }

  /** Records an image; an image pushed again keeps its first push time. */
  async putManifest(name: string, digest: string, record: ManifestRecord): Promise<ManifestRecord> {
    const existing = await this.manifest(name, digest);
    if (existing) return existing;
    await writeDurably(this.manifestPath(name, digest), JSON.stringify(record));
    return record;
  }

  async manifest(name: string, digest: string): Promise<ManifestRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.manifestPath(name, digest), 'utf8')) as ManifestRecord;
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  }

  async tag(name: string, tag: string, digest: string): Promise<void> {
    await writeDurably(join(this.dir(name), 'tags', tag), digest);
  }

  async resolveTag(name: string, tag: string): Promise<string | undefined> {
    if (!TAG_PATTERN.test(tag)) return undefined;
    try {
      return (await readFile(join(this.dir(name), 'tags', tag), 'utf8')).trim();
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  }

  /** Tag → digest, tags sorted. */
  async tags(name: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const tag of (await readdir(join(this.dir(name), 'tags'))).filter((t) => !t.startsWith('.')).sort()) {
      const digest = await this.resolveTag(name, tag);
      if (digest) out.set(tag, digest);
    }
    return out;
  }

  async untag(name: string, tag: string): Promise<void> {
    await rm(join(this.dir(name), 'tags', tag), { force: true });
  }

  /** Every image with its tags, newest push first. */
  async images(name: string): Promise<ImageRecord[]> {
    const byDigest = new Map<string, string[]>();
    for (const [tag, digest] of await this.tags(name)) byDigest.set(digest, [...(byDigest.get(digest) ?? []), tag]);
    const out: ImageRecord[] = [];
    for (const file of await readdir(join(this.dir(name), 'manifests'))) {
      if (!file.endsWith('.json') || file.startsWith('.')) continue;
      const digest = `sha256:${file.slice(0, -5)}`;
      const m = await this.manifest(name, digest);
      if (m) out.push({ ...m, digest, tags: byDigest.get(digest) ?? [] });
    }
    return out.sort((a, b) => b.pushedAt - a.pushedAt || (a.digest < b.digest ? -1 : 1));
  }

  /** Removes an image and every tag that names it. */
  async deleteManifest(name: string, digest: string): Promise<void> {
    for (const [tag, d] of await this.tags(name)) if (d === digest) await this.untag(name, tag);
    await rm(this.manifestPath(name, digest), { force: true });
  }

  private dir(name: string): string {
    return join(this.root, encodeURIComponent(name));
  }

  private manifestPath(name: string, digest: string): string {
    return join(this.dir(name), 'manifests', `${parseDigest(digest)}.json`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (missing(err)) return false;
    throw err;
  }
}
