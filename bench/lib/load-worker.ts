/** Worker-thread entry for runLoad(): runs its share of the clients and posts the result back. */
import { parentPort, workerData } from 'node:worker_threads';
import { runLoadInThread, type LoadPlan } from './load.js';

const result = await runLoadInThread(workerData as LoadPlan);
parentPort!.postMessage(result, [result.samples.buffer as ArrayBuffer]);
