import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { compileFilterPattern } from '../filter-pattern.js';
import { Block, type BlockRow } from './blocks.js';
import { eventsWithLiterals, GroupSearch } from './group-search.js';
import { blockDocs, TextIndexer } from './indexer.js';
import { SqliteLogStore } from './sqlite-log-store.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = Number.MIN_SAFE_INTEGER;
const dir = mkdtempSync(join(tmpdir(), 'pier-groupsearch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const blockOf = (messages: string[]): Block => {
  const text = Buffer.from(messages.join(''));
  const lens = messages.map((m) => Buffer.byteLength(m));
  return new Block({ id: 100, group_id: 1, stream_id: 1, min_ts: T0, max_ts: T0, count: messages.length, ingested: T0, ts: JSON.stringify(lens.map(() => 0)), lens: JSON.stringify(lens), text });
};

test('eventsWithLiterals: events holding an alternative\'s longest literal or a backslash, never a match spanning two events', () => {
  const b = blockOf(['GET /a 200', 'GET /b 500', 'POST /c 5', '00 split', '{"m":"\\u0045RROR"}', 'ERROR x', 'wörld']);
  assert.deepEqual(eventsWithLiterals(b, [['500']]), [1, 4], '"5"+"00" across events 2 and 3 is no hit; event 4 has a backslash');
  assert.deepEqual(eventsWithLiterals(b, [['GET', '200'], ['POST']]), [0, 1, 2, 4]);
  assert.deepEqual(eventsWithLiterals(b, [['ERROR']]), [4, 5]);
  assert.deepEqual(eventsWithLiterals(b, [['wörld']]), [4, 6]);
  assert.deepEqual(eventsWithLiterals(b, [['']]), [0, 1, 2, 3, 4, 5, 6]);
});

test('a block retention cut is found by its rest before and after the indexer indexes it again', async () => {
  const store = SqliteLogStore.open({ dir, indexer: 'inline' });
  const g = await store.createGroup({ name: 'g', createdAt: T0, logGroupClass: 'STANDARD', tags: {} });
  const s = await store.createStream('g', 's', T0);
  assert.ok(g !== 'exists' && typeof s === 'object');
  await store.appendEvents(s.id, Array.from({ length: 10 }, (_, i) => ({ timestamp: T0 + i, message: `ev-${i} tail` })), T0);
  await store.waitForIndex(30_000);
  await store.close();

  // Cut the first 3 events off the block as the sweep does: the rest moves to id + 3, and the
  // text index learns of it through the queue, which no indexer has read yet.
  const db = new Database(join(dir, 'logs.db'));
  db.prepare("ATTACH DATABASE ? AS search").run(join(dir, 'search.db'));
  try {
    const row = db.prepare('SELECT * FROM log_blocks ORDER BY id LIMIT 1').get() as BlockRow;
    const block = new Block(row);
    const cut = 3;
    const rest = block.ends.slice(cut).map((e) => e - block.ends[cut - 1]!);
    db.prepare('UPDATE log_blocks SET id = ?, min_ts = ?, count = ?, ts = ?, lens = ?, text = ? WHERE id = ?').run(
      row.id + cut, T0 + cut, 10 - cut, JSON.stringify(rest.map((_, i) => i)), JSON.stringify(rest.map((e, i) => e - (i === 0 ? 0 : rest[i - 1]!))),
      row.text.subarray(block.ends[cut - 1]!), row.id);
    db.prepare('INSERT INTO log_text_deletes (event_id, count) VALUES (?, ?), (?, 0)').run(row.id, cut, row.id + cut);

    const search = new GroupSearch(db, { candidateCap: 4 });
    const find = async (p: string): Promise<string[]> =>
      (await search.run(g.id, { notBefore: MIN, pattern: compileFilterPattern(p), limit: 100, maxBytes: 1e6 })).events.map((e) => e.message);
    assert.deepEqual(await find('"ev-5"'), ['ev-5 tail'], 'the rest, before the indexer has seen the cut');
    assert.deepEqual(await find('"ev-1 "'), [], 'the cut head is gone');
    assert.equal((await find('tail')).length, 7);

    const indexer = new TextIndexer(join(dir, 'logs.db'), join(dir, 'search.db'));
    try {
      assert.ok(indexer.catchUp() > 0);
    } finally {
      indexer.close();
    }
    const docs = db.prepare("SELECT rowid FROM search.log_text WHERE log_text MATCH '\"ev-\"'").pluck().all();
    assert.deepEqual(docs, [row.id + cut], 'the old document went, the rest is indexed under its new id');
    assert.deepEqual(await find('"ev-5"'), ['ev-5 tail'], 'the rest, indexed again');
    assert.deepEqual(await find('"ev-2"'), []);
  } finally {
    db.close();
  }
});

test('a block of similar lines is indexed in runs by their distinct trigrams, and any line is found through the index', async () => {
  const sub = mkdtempSync(join(dir, 'distinct-'));
  const store = SqliteLogStore.open({ dir: sub, indexer: 'inline', search: { scanBudget: 1 } });
  try {
    const g = await store.createGroup({ name: 'n', createdAt: T0, logGroupClass: 'STANDARD', tags: {} });
    assert.ok(g !== 'exists');
    assert.ok(typeof await store.createStream('n', 's', T0) === 'object');
    const s = (await store.getStream('n', 's'))!.stream!;
    await store.appendEvents(s.id, Array.from({ length: 4000 }, (_, i) => ({ timestamp: T0, message: `GET /health 200 ok ${i % 7}` })), T0);
    await store.appendEvents(s.id, [{ timestamp: T0, message: 'line 3217' }], T0);
    await store.waitForIndex(30_000);
    const db = new Database(join(sub, 'logs.db'), { readonly: true });
    try {
      const row = db.prepare('SELECT * FROM log_blocks ORDER BY id LIMIT 1').get() as BlockRow;
      const docs = blockDocs(row);
      const indexed = docs.reduce((n, d) => n + d.text.length, 0);
      assert.ok(docs.length >= 8 && docs.every((d, k) => k === 0 || d.from > docs[k - 1]!.from), 'runs of about 4 KiB');
      assert.ok(indexed < row.text.length / 2, `${indexed} bytes indexed for ${row.text.length}`);
    } finally {
      db.close();
    }
    // A scan would stop after one event (scanBudget 1) and answer a resume point: one whole answer is the index's.
    const page = await store.searchGroup(g.id, { notBefore: MIN, pattern: compileFilterPattern('"line 3217"'), limit: 100, maxBytes: 1e6 });
    assert.deepEqual(page.events.map((e) => e.message), ['line 3217']);
    assert.equal(page.resumeAfter, undefined);
    const health = await store.searchGroup(g.id, { notBefore: MIN, pattern: compileFilterPattern('"200 ok 6"'), limit: 1000, maxBytes: 1e6 });
    assert.equal(health.events.length, 571, 'every 7th of 4,000 lines, through the index');
    const none = await store.searchGroup(g.id, { notBefore: MIN, pattern: compileFilterPattern('"line 4001"'), limit: 100, maxBytes: 1e6 });
    assert.deepEqual(none, { events: [] });
  } finally {
    await store.close();
  }
});
