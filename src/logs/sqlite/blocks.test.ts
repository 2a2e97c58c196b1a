import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchOf } from '../event-batch.js';
import { Block, mergeBackward, mergeForward, toBlocks, type BlockPager, type BlockRow } from './blocks.js';

const MAX = Number.MAX_SAFE_INTEGER;

/** Rows as the store would hold them, ids handed out from 1. */
function rows(batches: { ts: number; m: string }[][], maxEvents = 3, span = 100): BlockRow[] {
  const out: BlockRow[] = [];
  let id = 1;
  for (const [k, batch] of batches.entries()) {
    for (const b of toBlocks(batchOf(batch.map((e) => ({ timestamp: e.ts, message: e.m }))), maxEvents, span)) {
      out.push({ id, group_id: 1, stream_id: k, min_ts: b.minTs, max_ts: b.maxTs, count: b.count, ingested: 0, ts: b.ts, lens: b.lens, text: b.text });
      id += b.count;
    }
  }
  return out;
}

/** What the store's queries answer: rows in the merge's order after the last one, a page of two at a time. */
function pager(all: BlockRow[], dir: 'forward' | 'backward'): BlockPager {
  const key = (r: BlockRow): number[] => (dir === 'forward' ? [r.min_ts, r.max_ts, r.id] : [-r.max_ts, -r.min_ts, -r.id]);
  const cmp = (a: number[], b: number[]): number => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
  const sorted = [...all].sort((a, b) => cmp(key(a), key(b)));
  return (after) => sorted.filter((r) => !after || cmp(key(r), key(after)) > 0).slice(0, 2);
}

test('a batch becomes blocks sorted by time, cut at the event limit and the span; equal times keep their order', () => {
  const blocks = toBlocks(batchOf([{ timestamp: 30, message: 'c' }, { timestamp: 10, message: 'a1' }, { timestamp: 10, message: 'a2' }, { timestamp: 500, message: 'late' }, { timestamp: 20, message: 'b' }]), 3, 100);
  assert.deepEqual(blocks.map((b) => [b.minTs, b.maxTs, b.count, b.ts, b.lens, b.text.toString()]), [
    [10, 20, 3, '[0,0,10]', '[2,2,1]', 'a1a2b'], [30, 30, 1, '[]', '[1]', 'c'], [500, 500, 1, '[]', '[4]', 'late'],
  ]);
  const same = new Block({ id: 1, group_id: 1, stream_id: 2, min_ts: 30, max_ts: 30, count: 2, ingested: 9, ts: '[]', lens: '[1,2]', text: Buffer.from('abc') });
  assert.deepEqual([same.event(0).timestamp, same.event(1).timestamp, same.event(1).message], [30, 30, 'bc'], '[] means every event at min_ts');
  const block = new Block({ id: 7, group_id: 1, stream_id: 2, min_ts: 10, max_ts: 20, count: 3, ingested: 9, ts: '[0,0,10]', lens: '[2,2,1]', text: Buffer.from('a1a2b') });
  assert.deepEqual(block.event(2), { id: 9, streamId: 2, timestamp: 20, ingestionTime: 9, message: 'b' });
  assert.equal(block.firstAfter({ ts: 10, id: 7 }), 1);
  assert.equal(block.firstAfter({ ts: 10, id: MAX }), 2);
  assert.equal(block.firstAfter({ ts: 9, id: MAX }), 0);
});

test('merges read overlapping blocks in (timestamp, id) order both ways, from any boundary, across block and page boundaries', () => {
  // Two sources of one stream interleaved in time, with equal timestamps across them, and an older batch appended last.
  const all = rows([
    [{ ts: 10, m: 'o1' }, { ts: 20, m: 'o2' }, { ts: 20, m: 'o3' }, { ts: 40, m: 'o4' }, { ts: 50, m: 'o5' }, { ts: 90, m: 'o6' }, { ts: 200, m: 'o7' }],
    [{ ts: 20, m: 'e1' }, { ts: 45, m: 'e2' }, { ts: 200, m: 'e3' }],
    [{ ts: 5, m: 'old1' }, { ts: 41, m: 'old2' }],
  ]);
  const expected = all.flatMap((r) => { const b = new Block(r); return Array.from({ length: b.count }, (_, i) => b.event(i)); })
    .sort((a, b) => a.timestamp - b.timestamp || a.id - b.id);
  const fwd = (from: { ts: number; id: number }): string[] => [...mergeForward(pager(all, 'forward'), from)].map(({ block, i }) => block.message(i));
  const bwd = (from: { ts: number; id: number }): string[] => [...mergeBackward(pager(all, 'backward'), from)].map(({ block, i }) => block.message(i));
  assert.deepEqual(fwd({ ts: -1, id: MAX }), expected.map((e) => e.message));
  assert.deepEqual(bwd({ ts: MAX, id: MAX }), expected.map((e) => e.message).reverse());
  for (const [k, e] of expected.entries()) {
    assert.deepEqual(fwd({ ts: e.timestamp, id: e.id }), expected.slice(k + 1).map((x) => x.message), `after ${e.message}`);
    assert.deepEqual(bwd({ ts: e.timestamp, id: e.id }), expected.slice(0, k + 1).map((x) => x.message).reverse(), `at or before ${e.message}`);
  }
});
