/** The worker side of hasher.ts: one sha256 per upload id, fed in order, answered on request. */
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

export type HashRequest = { op: 'update'; id: number; data: Uint8Array; length: number } | { op: 'digest'; id: number } | { op: 'drop'; id: number };
/** A digest, or a batch buffer handed back for reuse once hashed. */
export type HashReply = { id: number; digest: string } | { returned: ArrayBuffer };

const hashes = new Map<number, Hash>();
parentPort?.on('message', (m: HashRequest) => {
  if (m.op === 'update') {
    let h = hashes.get(m.id);
    if (!h) hashes.set(m.id, (h = createHash('sha256')));
    h.update(m.data.subarray(0, m.length));
    const returned = m.data.buffer as ArrayBuffer;
    parentPort!.postMessage({ returned } satisfies HashReply, [returned]);
  } else if (m.op === 'digest') {
    const h = hashes.get(m.id) ?? createHash('sha256');
    hashes.delete(m.id);
    parentPort!.postMessage({ id: m.id, digest: `sha256:${h.digest('hex')}` } satisfies HashReply);
  } else {
    hashes.delete(m.id);
  }
});
