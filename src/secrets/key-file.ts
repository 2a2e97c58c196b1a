/**
 * The secrets key: 32 random bytes in `<data dir>/secrets.key`, mode 0600, made on first start.
 * It is kept out of the database on purpose: a copy of pier.db (a backup, a bug report) holds
 * only sealed values. Losing the file loses every secret value, so back it up with the database.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEY_BYTES } from './value-cipher.js';

export const secretsKeyPath = (dataDir: string): string => join(dataDir, 'secrets.key');

export function loadOrCreateSecretsKey(dataDir: string): Buffer {
  const path = secretsKeyPath(dataDir);
  try {
    // 'wx' fails if the file exists, so two first starts cannot each write a different key.
    writeFileSync(path, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const key = readFileSync(path);
  if (key.length !== KEY_BYTES) throw new Error(`${path} must hold ${KEY_BYTES} bytes, it holds ${key.length}: restore it from a backup`);
  return key;
}
