/**
 * sha256 of uploads computed on a worker thread, so hashing (about a quarter of a push's CPU)
 * runs beside the event loop that parses and writes the bytes, as Go registries hash on another
 * goroutine. Each batch is copied once into a buffer the worker takes over. If the worker dies,
 * every running hash fails and completion falls back to hashing the file.
 */
import { Worker } from 'node:worker_threads';
import type { HashReply, HashRequest } from './hash-thread.js';

export interface RunningHash {
  update(chunks: readonly Buffer[], bytes: number): void;
  /** The digest of everything given to update(); the hash is finished. */
  digest(): Promise<string>;
  discard(): void;
}

export class Hasher {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (d: string) => void; reject: (e: Error) => void }>();

  start(): RunningHash {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const send = (m: HashRequest, transfer?: ArrayBuffer[]): void => worker.postMessage(m, transfer);
    return {
      update: (chunks, bytes) => {
        const data = new Uint8Array(bytes);
        let at = 0;
        for (const c of chunks) {
          data.set(c, at);
          at += c.length;
        }
        send({ op: 'update', id, data }, [data.buffer]);
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

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./hash-thread.js', import.meta.url));
    worker.on('message', (m: HashReply) => {
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
