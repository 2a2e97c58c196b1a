/**
 * Content-addressed blobs: `<root>/blobs/sha256/<hex>`. A blob is written to a temporary file under
 * `<root>/tmp` and renamed into place only after its digest was verified, so a file under blobs/
 * is always complete and correct.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const SHA256 = /^sha256:([a-f0-9]{64})$/;

/** The hex part of a sha256 digest; throws on anything else. */
export function digestHex(digest: string): string {
  const m = SHA256.exec(digest);
  if (!m) throw new Error(`not a sha256 digest: "${digest}"`);
  return m[1]!;
}

export class ContentStore {
  readonly blobsDir: string;
  readonly tmpDir: string;

  constructor(readonly root: string) {
    this.blobsDir = join(root, 'blobs', 'sha256');
    this.tmpDir = join(root, 'tmp');
    mkdirSync(this.blobsDir, { recursive: true });
    mkdirSync(this.tmpDir, { recursive: true });
  }

  blobPath(digest: string): string {
    return join(this.blobsDir, digestHex(digest));
  }

  /** A fresh path under tmp/ on the same filesystem as blobs/ (so commit is a rename). */
  tempPath(prefix = 'blob'): string {
    return join(this.tmpDir, `${prefix}-${randomBytes(8).toString('hex')}`);
  }

  /** Size of a stored blob, or undefined when absent. */
  async size(digest: string): Promise<number | undefined> {
    try {
      return (await stat(this.blobPath(digest))).size;
    } catch {
      return undefined;
    }
  }

  /** Moves a verified temporary file into place. */
  async commit(tempPath: string, digest: string): Promise<void> {
    await rename(tempPath, this.blobPath(digest));
  }

  async remove(digest: string): Promise<void> {
    await rm(this.blobPath(digest), { force: true });
  }
}
