/**
 * Reads an image's /etc/passwd and /etc/group from its root filesystem for spec.ts's user
 * resolution. Only regular files are read (a symlink in an image must not make the agent read a
 * host file), at most 1 MiB each.
 */
import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { UserDb } from './spec.js';

const MAX_BYTES = 1 << 20;

function readRegularFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    const buf = Buffer.alloc(Math.min(st.size, MAX_BYTES));
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export function readUserDb(rootfs: string): UserDb {
  const passwd = readRegularFile(join(rootfs, 'etc', 'passwd'));
  const group = readRegularFile(join(rootfs, 'etc', 'group'));
  return { ...(passwd !== undefined ? { passwd } : {}), ...(group !== undefined ? { group } : {}) };
}
