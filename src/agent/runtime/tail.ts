/** Reads the end of a log file without loading all of it. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The last `bytes` of a file as text ('' when it is missing). */
export function readTail(path: string, bytes = 4096): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, bytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
