/** Content digests as the registry accepts them: `sha256:<64 lowercase hex>` only. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { DistributionError } from './distribution-errors.js';

const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

export function isDigest(text: string): boolean {
  return SHA256_DIGEST.test(text);
}

/** The digest's hex part; DIGEST_INVALID unless it is a sha256 digest. */
export function parseDigest(text: string | null | undefined): string {
  if (!text || !SHA256_DIGEST.test(text)) {
    throw new DistributionError('DIGEST_INVALID', `'${text ?? ''}' is not a sha256 digest (sha256:<64 hex digits>)`, { digest: text ?? null });
  }
  return text.slice(7);
}

export function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export async function digestOfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}
