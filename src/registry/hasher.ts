/**
 * sha256 of uploads computed on a worker thread, so hashing (about a quarter of a push's CPU)
 * runs beside the event loop that parses and writes the bytes, as Go registries hash on another
 * goroutine. Each batch is copied once into a buffer the worker takes over and hands back once
 * hashed, so batches reuse a few buffers (fresh 1 MiB buffers cost their page faults and
 * garbage collection, more than the copy). If the worker dies, every running hash fails and
 * completion falls back to hashing the file.
 */
import { Worker } from 'node:worker_threads';
import type { HashReply, HashRequest } from './hash-thread.js';

export interface RunningHash {
  update(chunks: readonly Buffer[], bytes: number): void;
  /** The digest of everything given to update(); the hash is finished. */
  digest(): Promise<string>;
  discard(): void;
}

/** Batch buffers kept for reuse: enough for a few uploads' batches in flight at once. */
const SPARE_BUFFERS = 16;

export class Hasher {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (d: string) => void; reject: (e: Error) => void }>();
  /** Batch buffers the worker has handed back. */
  private readonly spare: ArrayBuffer[] = [];

  start(): RunningHash {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const send = (m: HashRequest, transfer?: ArrayBuffer[]): void => worker.postMessage(m, transfer);
    return {
      update: (chunks, bytes) => {
        const data = this.buffer(bytes);
        let at = 0;
        for (const c of chunks) {
          data.set(c, at);
          at += c.length;
        }
        send({ op: 'update', id, data, length: bytes }, [data.buffer as ArrayBuffer]);
      },
      digest: () => new Promise<string>((resolve, reject) => {
        if (this.worker !== worker) {
          reject(new Error('the hash worker stopped'));
          return;
        }
        // A digest awaited keeps the process alive until it comes.
        if (this.waiting.size === 0) worker.ref();
        this.waiting.set(id, { resolve, reject });
        send({ op: 'digest', id });
      }),
      discard: () => {
        if (this.worker === worker) send({ op: 'drop', id });
      },
    };
  }

  /** A reused buffer of at least `bytes`, or a new one (a little larger, so later batches fit). */
  private buffer(bytes: number): Uint8Array {
    const i = this.spare.findIndex((b) => b.byteLength >= bytes);
    if (i >= 0) return new Uint8Array(this.spare.splice(i, 1)[0]!);
    return new Uint8Array(Math.max(bytes, (1 << 20) + (256 << 10)));
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./hash-thread.js', import.meta.url));
    worker.on('message', (m: HashReply) => {
      if ('returned' in m) {
        if (this.spare.length < SPARE_BUFFERS) this.spare.push(m.returned);
        return;
      }
      this.waiting.get(m.id)?.resolve(m.digest);
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) worker.unref();
    });
    const fail = (err: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('the hash worker exited')));
    // Idle, the worker must not keep a process alive; unref after the listeners, which would ref it again.
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
