/** Worker-thread entry of the log text indexer (started by indexer-runner.ts). */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { TextIndexer } from './indexer.js';
import { IndexLoop, type IndexerWorkerData } from './indexer-runner.js';

type ToWorker = { type: 'wake' } | { type: 'stop' } | { type: 'restart'; indexedUpto: number; deletesUpto: number };

/**
 * The index is a convenience searches do without (they read what it has not reached): this thread
 * yields the CPU to the API's thread and to tasks. On Linux a thread's id works as a pid for
 * setpriority; /proc/thread-self names it.
 */
function lowerThisThreadsPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, INDEXER_NICE);
  } catch {
    // not Linux, or not allowed: index at the process's priority
  }
}
const INDEXER_NICE = 10;
lowerThisThreadsPriority();

const paths = workerData as IndexerWorkerData;
const asleep = new Int32Array(paths.asleep);
const port = parentPort!;
const loop = new IndexLoop(
  new TextIndexer(paths.logsPath, paths.searchPath), (err) => port.postMessage({ type: 'error', message: err.message }),
  (yes) => Atomics.store(asleep, 0, yes ? 1 : 0),
);

port.on('message', (m: ToWorker) => {
  if (m.type === 'wake') loop.wake();
  else if (m.type === 'restart') {
    void loop.between((ix) => ix.restart(m.indexedUpto, m.deletesUpto)).then(() => port.postMessage({ type: 'restarted' }));
  } else {
    void loop.stop().then(() => port.close());
  }
});
