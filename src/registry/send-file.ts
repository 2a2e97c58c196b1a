/**
 * Sends bytes [start, end] of a file to a writable (an HTTP response) through a few reused
 * buffers: a read fills one while earlier ones are being written, and a buffer is reused only once
 * its write has been flushed. Streaming with fresh buffers per read (createReadStream) spends about
 * half its time allocating and collecting them; this keeps a blob GET near the socket's speed.
 */
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';

const CHUNK = 1 << 20;
const BUFFERS = 4;

export async function sendFile(path: string, start: number, end: number, out: Writable): Promise<void> {
  const fh = await open(path, 'r');
  const closed = new Promise<never>((_resolve, reject) => out.once('close', () => reject(new Error('the client went away'))));
  closed.catch(() => undefined);
  try {
    const buffers = Array.from({ length: BUFFERS }, () => Buffer.allocUnsafe(CHUNK));
    const flushed: Promise<void>[] = [];
    let position = start;
    for (let i = 0; position <= end; i = (i + 1) % BUFFERS) {
      if (flushed[i]) await Promise.race([flushed[i], closed]);
      const { bytesRead } = await fh.read(buffers[i]!, 0, Math.min(CHUNK, end - position + 1), position);
      if (bytesRead === 0) throw new Error(`${path} ended at ${position}, before ${end + 1}`);
      position += bytesRead;
      flushed[i] = new Promise((resolve, reject) => out.write(buffers[i]!.subarray(0, bytesRead), (err) => (err ? reject(err) : resolve())));
      flushed[i]!.catch(() => undefined);
    }
    await Promise.race([Promise.all(flushed), closed]);
    await new Promise<void>((resolve) => out.end(resolve));
  } finally {
    await fh.close();
  }
}
