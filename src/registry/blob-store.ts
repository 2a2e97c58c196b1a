/**
 * Content-addressed blobs on disk: `<root>/sha256/<hex>`, one file per digest, shared by every
 * repository (which blobs a repository may serve is the repository store's business). A blob
 * appears only whole and verified: uploads are hashed, fsynced and renamed into place.
 */
import { mkdirSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { digestOf, parseDigest } from './digest.js';
import { fsyncPath, renameDurably, writeDurably } from './durable-file.js';

export class BlobStore {
  private readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'sha256');
    mkdirSync(this.dir, { recursive: true });
  }

  async clear(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  path(digest: string): string {
    return join(this.dir, parseDigest(digest));
  }

  /** The blob's size, or undefined when it is not stored. */
  async size(digest: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(digest))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * Moves a verified file into place as `digest`. The caller has checked the content's digest; if
   * the blob is already stored the file is dropped (same digest, same bytes).
   */
  async adopt(file: string, digest: string): Promise<void> {
    const target = this.path(digest);
    if ((await this.size(digest)) !== undefined) {
      await rm(file, { force: true });
      return;
    }
    await fsyncPath(file, 'r+');
    await renameDurably(file, target);
  }

  /** Stores small content (manifests) and returns its digest. */
  async put(bytes: Buffer): Promise<string> {
    const digest = digestOf(bytes);
    if ((await this.size(digest)) === undefined) await writeDurably(this.path(digest), bytes);
    return digest;
  }
}
