/**
 * Runs the TextIndexer: in a worker thread ('worker', the default: indexing CPU stays off the API's
 * event loop) or on the calling thread between its other work ('inline'). Either way it indexes
 * until caught up, then sleeps until woken by an append or a short timer.
 */
import { Worker } from 'node:worker_threads';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { coerceError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { TextIndexer } from './indexer.js';

export type IndexerMode = 'worker' | 'inline';

export interface IndexerRunner {
  /** New events or deletes are waiting. */
  wake(): void;
  /** Empties the index, which continues from these positions. */
  restart(indexedUpto: number, deletesUpto: number): Promise<void>;
  stop(): Promise<void>;
}

export interface IndexerPaths {
  readonly logsPath: string;
  readonly searchPath: string;
}

const IDLE_POLL_MS = 250;

/** The loop both modes run; `wait` sleeps until woken or the timeout. */
export class IndexLoop {
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private woken = true;
  private pending: Promise<void> = Promise.resolve();
  readonly done: Promise<void>;

  /** `asleep` is told when the loop starts and stops waiting for work. */
  constructor(private readonly indexer: TextIndexer, private readonly onError: (err: Error) => void, private readonly asleep: (yes: boolean) => void = () => undefined) {
    this.done = this.run();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Runs `fn` between batches (never during one). */
  between(fn: (indexer: TextIndexer) => void): Promise<void> {
    const next = this.pending.then(() => fn(this.indexer));
    this.pending = next.catch(() => undefined);
    this.wake();
    return next;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.done;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      await this.pending;
      try {
        let n = this.indexer.step();
        while (n > 0 && !this.stopping) {
          await yieldToLoop();
          await this.pending;
          n = this.indexer.step();
        }
      } catch (err) {
        this.onError(coerceError(err));
      }
      if (this.stopping) break;
      if (!this.woken) {
        this.asleep(true);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, IDLE_POLL_MS);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      this.asleep(false);
      this.wakeUp = undefined;
      this.woken = false;
    }
    this.indexer.close();
  }
}

function inlineRunner(paths: IndexerPaths, log: Logger): IndexerRunner {
  const loop = new IndexLoop(new TextIndexer(paths.logsPath, paths.searchPath), (err) => log.error('log text indexer failed', { error: err.message }));
  return {
    wake: () => loop.wake(),
    restart: (indexedUpto, deletesUpto) => loop.between((ix) => ix.restart(indexedUpto, deletesUpto)),
    stop: () => loop.stop(),
  };
}

type FromWorker = { type: 'restarted' } | { type: 'error'; message: string };

/** What the worker is given: the paths, and a flag it sets while it sleeps (1) so wakes cost a message only then. */
export interface IndexerWorkerData extends IndexerPaths {
  readonly asleep: SharedArrayBuffer;
}

function workerRunner(paths: IndexerPaths, log: Logger): IndexerRunner {
  const asleep = new Int32Array(new SharedArrayBuffer(4));
  const data: IndexerWorkerData = { ...paths, asleep: asleep.buffer as SharedArrayBuffer };
  const worker = new Worker(new URL('./indexer-worker.js', import.meta.url), { workerData: data });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let restarted: (() => void) | undefined;
  worker.on('message', (m: FromWorker) => {
    if (m.type === 'error') log.error('log text indexer failed', { error: m.message });
    else restarted?.();
  });
  worker.on('error', (err) => log.error('log text indexer worker died', { error: err.message }));
  return {
    wake: () => {
      // Appends come thousands a second and a message costs ~0.3 ms here: a worker still indexing
      // will find the new blocks by itself (one going to sleep meanwhile looks again within IDLE_POLL_MS).
      if (Atomics.exchange(asleep, 0, 0) === 1) worker.postMessage({ type: 'wake' });
    },
    restart: (indexedUpto, deletesUpto) => new Promise<void>((resolve) => {
      restarted = resolve;
      worker.postMessage({ type: 'restart', indexedUpto, deletesUpto });
    }),
    stop: async () => {
      worker.postMessage({ type: 'stop' });
      await exited;
    },
  };
}

export function startIndexer(mode: IndexerMode, paths: IndexerPaths, log: Logger): IndexerRunner {
  return mode === 'worker' ? workerRunner(paths, log) : inlineRunner(paths, log);
}
