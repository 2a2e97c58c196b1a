/**
 * The log store's behaviour suite (src/logs/log-store.ts). Every implementation must pass it; today
 * SQLite with its text indexer in a worker thread and inline, PostgreSQL next (add a factory).
 * Searches are checked to answer the same events through the text index, before it caught up,
 * and by scanning.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compileFilterPattern } from '../../src/logs/filter-pattern.js';
import {
  LogStoreUnavailableError, type GroupSearchPage, type GroupSearchQuery, type LogGroupRecord, type LogStore, type LogStreamRecord, type StoredLogEvent,
} from '../../src/logs/log-store.js';
import type { SearchLimits } from '../../src/logs/sqlite/group-search.js';
import { SqliteLogStore } from '../../src/logs/sqlite/sqlite-log-store.js';
import { MAX_KEY } from '../../src/logs/stream-tokens.js';

interface Opened {
  store: LogStore;
  /** Resolves once the implementation's text index (if any) covers what was appended. */
  settle(): Promise<void>;
  /** The same data opened again with other search limits. */
  reopen(limits?: Partial<SearchLimits>): Promise<Opened>;
}
interface Impl { name: string; open(): Promise<{ opened: Opened; cleanup(): void }> }

function sqlite(mode: 'worker' | 'inline'): Impl {
  return {
    name: `sqlite (${mode} indexer)`,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'pier-logstore-'));
      const make = (limits?: Partial<SearchLimits>): Opened => {
        const store = SqliteLogStore.open({ dir, indexer: mode, ...(limits ? { search: limits } : {}) });
        return {
          store, settle: () => store.waitForIndex(30_000),
          reopen: async (l) => {
            await store.close();
            return make(l);
          },
        };
      };
      return { opened: make(), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  };
}

const implementations: Impl[] = [sqlite('worker'), sqlite('inline')];

const T0 = Date.UTC(2026, 0, 1);
const MIN = Number.MIN_SAFE_INTEGER;

async function newGroup(store: LogStore, name: string, extra: Partial<{ retentionDays: number; tags: Record<string, string> }> = {}): Promise<LogGroupRecord> {
  const g = await store.createGroup({ name, createdAt: T0, logGroupClass: 'STANDARD', tags: extra.tags ?? {}, ...(extra.retentionDays ? { retentionDays: extra.retentionDays } : {}) });
  assert.notEqual(g, 'exists');
  return g as LogGroupRecord;
}

async function newStream(store: LogStore, group: string, name: string): Promise<LogStreamRecord> {
  const s = await store.createStream(group, name, T0);
  assert.ok(typeof s === 'object', `createStream ${group}/${name}: ${String(s)}`);
  return s;
}

const messages = (events: readonly StoredLogEvent[]): string[] => events.map((e) => e.message);

/** Every page of a search, following resumeAfter. */
async function searchAll(store: LogStore, groupId: number, q: Omit<GroupSearchQuery, 'after'>): Promise<{ events: StoredLogEvent[]; pages: GroupSearchPage[] }> {
  const pages: GroupSearchPage[] = [];
  const events: StoredLogEvent[] = [];
  let after: GroupSearchQuery['after'];
  for (let i = 0; i < 1000; i++) {
    const page = await store.searchGroup(groupId, { ...q, ...(after ? { after } : {}) });
    pages.push(page);
    events.push(...page.events);
    if (!page.resumeAfter) return { events, pages };
    after = page.resumeAfter;
  }
  throw new Error('search did not finish in 1000 pages');
}

const query = (pattern: string, extra: Partial<GroupSearchQuery> = {}): Omit<GroupSearchQuery, 'after'> => ({
  notBefore: MIN, pattern: compileFilterPattern(pattern), limit: 10_000, maxBytes: 1_048_576, ...extra,
});

for (const impl of implementations) {
  describe(`log store contract: ${impl.name}`, () => {
    let opened: Opened;
    let store: LogStore;
    let cleanup: () => void;
    before(async () => {
      const h = await impl.open();
      opened = h.opened;
      store = opened.store;
      cleanup = h.cleanup;
    });
    after(async () => {
      await store.close();
      cleanup();
    });

    test('groups: create once, get, update atomically, list in name order with filters, delete', async () => {
      const a = await newGroup(store, '/app/a', { tags: { team: 'core' } });
      assert.equal(await store.createGroup({ name: '/app/a', createdAt: T0, logGroupClass: 'STANDARD', tags: {} }), 'exists');
      await newGroup(store, '/app/b');
      await newGroup(store, 'other');
      assert.deepEqual(await store.getGroup('/app/a'), { id: a.id, name: '/app/a', createdAt: T0, retentionDays: undefined, logGroupClass: 'STANDARD', storedBytes: 0, tags: { team: 'core' } });
      assert.equal(await store.getGroup('/app/zz'), undefined);
      const names = async (q: Parameters<LogStore['listGroups']>[0]) => (await store.listGroups(q)).map((g) => g.name);
      assert.deepEqual(await names({ limit: 10 }), ['/app/a', '/app/b', 'other']);
      assert.deepEqual(await names({ prefix: '/app/', limit: 10 }), ['/app/a', '/app/b']);
      assert.deepEqual(await names({ prefix: '/app/', afterName: '/app/a', limit: 10 }), ['/app/b']);
      assert.deepEqual(await names({ contains: 'pp/', limit: 10 }), ['/app/a', '/app/b']);
      assert.deepEqual(await names({ names: ['other', '/app/b', 'missing'], limit: 10 }), ['/app/b', 'other']);
      assert.deepEqual(await names({ limit: 2 }), ['/app/a', '/app/b']);
      assert.equal(await store.countGroups(), 3);

      const u = await store.updateGroup('/app/a', { retentionDays: 7, addTags: { env: 'dev' }, removeTagKeys: ['team'] });
      assert.ok(typeof u === 'object');
      assert.equal(u.retentionDays, 7);
      assert.deepEqual(u.tags, { env: 'dev' });
      assert.equal(await store.updateGroup('/app/a', { addTags: { x: '1', y: '2' }, maxTags: 2 }), 'too-many-tags');
      assert.deepEqual((await store.getGroup('/app/a'))?.tags, { env: 'dev' }, 'a refused change changes nothing');
      assert.equal((await store.updateGroup('/app/a', { retentionDays: null }) as LogGroupRecord).retentionDays, undefined);
      assert.equal(await store.updateGroup('/nope', { retentionDays: 1 }), undefined);

      assert.equal(await store.deleteGroup('other'), true);
      assert.equal(await store.deleteGroup('other'), false);
      const again = await newGroup(store, 'other');
      assert.notEqual(again.id, (await store.getGroup('/app/b'))!.id);
      assert.ok(again.id > a.id, 'ids are not reused');
    });

    test('streams: create once per group, list by name or last event time, both ways, in pages', async () => {
      await newGroup(store, 's');
      assert.equal(await store.createStream('missing', 'x', T0), 'no-group');
      const x = await newStream(store, 's', 'x');
      assert.equal(await store.createStream('s', 'x', T0), 'exists');
      await newStream(store, 's', 'a/1');
      await newStream(store, 's', 'a/2');
      const got = await store.getStream('s', 'x');
      assert.deepEqual(got?.stream, x);
      assert.equal((await store.getStream('s', 'nope'))?.stream, undefined);
      assert.equal(await store.getStream('nope', 'x'), undefined);
      const g = got!.group;
      await store.appendEvents(x.id, [{ timestamp: T0 + 5, message: 'x' }], T0 + 10);
      const a2 = (await store.getStream('s', 'a/2'))!.stream!;
      await store.appendEvents(a2.id, [{ timestamp: T0 + 9, message: 'y' }], T0 + 10);
      const list = async (q: Partial<Parameters<LogStore['listStreams']>[1]>) =>
        (await store.listStreams(g.id, { orderBy: 'LogStreamName', descending: false, limit: 10, ...q })).map((s) => s.name);
      assert.deepEqual(await list({}), ['a/1', 'a/2', 'x']);
      assert.deepEqual(await list({ descending: true }), ['x', 'a/2', 'a/1']);
      assert.deepEqual(await list({ prefix: 'a/' }), ['a/1', 'a/2']);
      assert.deepEqual(await list({ after: { name: 'a/1', lastEventTimestamp: undefined }, limit: 1 }), ['a/2']);
      assert.deepEqual(await list({ descending: true, after: { name: 'x', lastEventTimestamp: undefined } }), ['a/2', 'a/1']);
      assert.deepEqual(await list({ orderBy: 'LastEventTime' }), ['a/1', 'x', 'a/2'], 'streams without events first');
      assert.deepEqual(await list({ orderBy: 'LastEventTime', descending: true }), ['a/2', 'x', 'a/1']);
      assert.deepEqual(await list({ orderBy: 'LastEventTime', after: { name: 'x', lastEventTimestamp: T0 + 5 } }), ['a/2']);
      assert.deepEqual(await list({ orderBy: 'LastEventTime', descending: true, after: { name: 'a/2', lastEventTimestamp: T0 + 9 }, limit: 1 }), ['x']);

      assert.equal(await store.deleteStream('s', 'x'), 'deleted');
      assert.equal(await store.deleteStream('s', 'x'), 'no-stream');
      assert.equal(await store.deleteStream('zz', 'x'), 'no-group');
      assert.equal((await store.getGroup('s'))!.storedBytes, 1, "the deleted stream's bytes left the group");
      const x2 = await newStream(store, 's', 'x');
      assert.notEqual(x2.id, x.id);
      assert.deepEqual(await store.readStream(x2.id, { direction: 'forward', from: { ts: MIN, id: 0 }, notBefore: MIN, limit: 10, maxBytes: 1e6 }), [],
        'a stream of the same name starts empty');
    });

    test('append: atomic, with stream and group figures kept up to date', async () => {
      await newGroup(store, 'ap');
      const s = await newStream(store, 'ap', 'one');
      const after1 = await store.appendEvents(s.id, [{ timestamp: T0 + 100, message: 'héllo' }, { timestamp: T0 + 200, message: 'b' }], T0 + 300);
      assert.deepEqual(after1, {
        ...s, firstEventTimestamp: T0 + 100, lastEventTimestamp: T0 + 200, lastIngestionTime: T0 + 300, storedBytes: 7, uploadSequence: 1,
      });
      const after2 = await store.appendEvents(s.id, [{ timestamp: T0 + 50, message: 'early' }], T0 + 400);
      assert.equal(after2?.firstEventTimestamp, T0 + 50);
      assert.equal(after2?.lastEventTimestamp, T0 + 200);
      assert.equal(after2?.uploadSequence, 2);
      assert.equal((await store.getGroup('ap'))?.storedBytes, 12);
      assert.equal(await store.appendEvents(987654, [{ timestamp: T0, message: 'x' }], T0), undefined);
    });

    test('readStream: forward after a boundary, backward at or before one, time range, retention, limits', async () => {
      await newGroup(store, 'rd');
      const s = await newStream(store, 'rd', 's');
      const batch = Array.from({ length: 10 }, (_, i) => ({ timestamp: T0 + Math.floor(i / 2) * 1000, message: `line ${i}` }));
      await store.appendEvents(s.id, batch, T0 + 20_000);
      const read = async (q: Partial<Parameters<LogStore['readStream']>[1]>) =>
        messages(await store.readStream(s.id, { direction: 'forward', from: { ts: MIN, id: MAX_KEY }, notBefore: MIN, limit: 100, maxBytes: 1e6, ...q }));
      assert.deepEqual(await read({}), batch.map((e) => e.message));
      const all = await store.readStream(s.id, { direction: 'forward', from: { ts: MIN, id: 0 }, notBefore: MIN, limit: 100, maxBytes: 1e6 });
      const third = all[2]!;
      assert.deepEqual(await read({ from: { ts: third.timestamp, id: third.id } }), batch.slice(3).map((e) => e.message));
      assert.deepEqual(await read({ from: { ts: third.timestamp, id: third.id }, limit: 2 }), ['line 3', 'line 4']);
      assert.deepEqual(await read({ direction: 'backward', from: { ts: third.timestamp, id: third.id } }), ['line 0', 'line 1', 'line 2']);
      assert.deepEqual(await read({ direction: 'backward', from: { ts: MAX_KEY, id: MAX_KEY }, limit: 3 }), ['line 7', 'line 8', 'line 9']);
      assert.deepEqual(await read({ startTime: T0 + 1000, endTime: T0 + 3000 }), ['line 2', 'line 3', 'line 4', 'line 5'], 'start inclusive, end exclusive');
      assert.deepEqual(await read({ direction: 'backward', from: { ts: MAX_KEY, id: MAX_KEY }, startTime: T0 + 1000, endTime: T0 + 3000, limit: 3 }), ['line 3', 'line 4', 'line 5']);
      assert.deepEqual(await read({ notBefore: T0 + 4000 }), ['line 8', 'line 9']);
      assert.deepEqual(await read({ maxBytes: 70 }), ['line 0', 'line 1'], 'two events of 6+26 bytes fit in 70');
      assert.deepEqual(await read({ maxBytes: 1 }), ['line 0'], 'at least one event');
      assert.deepEqual(await read({ direction: 'backward', from: { ts: MAX_KEY, id: MAX_KEY }, maxBytes: 70 }), ['line 8', 'line 9'], 'backward keeps the newest');
    });

    test('searchGroup: the same events through the index, before it caught up, and by scanning', async () => {
      const g = await newGroup(store, 'search');
      const a = await newStream(store, 'search', 'app/a');
      const b = await newStream(store, 'search', 'app/b');
      const other = await newGroup(store, 'search-other');
      const o = await newStream(store, 'search-other', 'o');
      const lines = [
        '[ERROR] A fatal exception has occurred', 'Exiting with ERRORCODE: -1', '[ERROR] Caught IllegalArgumentException',
        '[WARN] Failed to process the request', 'ERROR WARN message', 'WARN message', 'INFO all good', 'héllo wörld ünïcode',
        '{"level":"ERROR","latency":750,"user":{"id":7}}', '{"level":"INFO","latency":20}', '{"level":"\\u0045RROR","note":"escaped"}',
        'say "hi" there', 'xy', 'ERROR xy',
      ];
      // Interleave two streams and out-of-order timestamps across batches.
      await store.appendEvents(a.id, lines.slice(0, 7).map((m, i) => ({ timestamp: T0 + 10 * i, message: m })), T0 + 1000);
      await store.appendEvents(b.id, lines.slice(7).map((m, i) => ({ timestamp: T0 + 10 * i + 5, message: m })), T0 + 1001);
      await store.appendEvents(o.id, lines.map((m) => ({ timestamp: T0, message: m })), T0 + 1002);
      const patterns = ['', 'ERROR', 'ERROR Exception', '"Failed to process"', '?fatal ?Illegal', 'ERROR -WARN', 'ünïcode', 'xy', 'ERROR xy',
        '{ $.level = "ERROR" }', '{ $.latency > 500 }', '{ $.level = ERR* || $.latency < 100 }', 'nothing-matches-this', '"\\"hi\\""', 'zzz ?ERROR'];
      const expected = (p: string): string[] => {
        const c = compileFilterPattern(p);
        const ordered = [...lines.slice(0, 7).map((m, i) => [T0 + 10 * i, m] as const), ...lines.slice(7).map((m, i) => [T0 + 10 * i + 5, m] as const)]
          .sort((x, y) => x[0] - y[0]);
        return ordered.filter(([, m]) => c.matches(m)).map(([, m]) => m);
      };
      const run = async (s: LogStore, p: string) => messages((await searchAll(s, g.id, query(p))).events);
      for (const p of patterns) assert.deepEqual(await run(store, p), expected(p), `before indexing: ${p}`);
      await opened.settle();
      for (const p of patterns) assert.deepEqual(await run(store, p), expected(p), `indexed: ${p}`);
      for (const candidateCap of [10, 3, 0]) {
        // 10: the other group's copies push some patterns past the cap until the group's marker joins.
        opened = await opened.reopen({ candidateCap });
        store = opened.store;
        for (const p of patterns) assert.deepEqual(await run(store, p), expected(p), `at most ${candidateCap} candidates: ${p}`);
      }
      opened = await opened.reopen({ scanBudget: 3, candidateCap: 0 });
      store = opened.store;
      const paged = await searchAll(store, g.id, query('ERROR'));
      assert.deepEqual(messages(paged.events), expected('ERROR'), 'a scan stopping every 3 events resumes without loss or repeat');
      assert.ok(paged.pages.some((p) => p.events.length === 0 && p.resumeAfter), 'some pages are empty but say where to resume');
      opened = await opened.reopen();
      store = opened.store;
      void other;
    });

    test('searchGroup: streams, time range, retention, limit and bytes, resuming after a boundary', async () => {
      const g = await newGroup(store, 'filters');
      const a = await newStream(store, 'filters', 'a');
      const b = await newStream(store, 'filters', 'b');
      await store.appendEvents(a.id, Array.from({ length: 6 }, (_, i) => ({ timestamp: T0 + i * 100, message: `a${i} hit` })), T0 + 600);
      await store.appendEvents(b.id, Array.from({ length: 6 }, (_, i) => ({ timestamp: T0 + i * 100 + 50, message: `b${i} hit` })), T0 + 600);
      for (const settled of [false, true]) {
        if (settled) await opened.settle();
        const run = async (extra: Partial<GroupSearchQuery>, pattern = 'hit') => messages((await searchAll(store, g.id, query(pattern, extra))).events);
        assert.deepEqual(await run({ streamIds: [b.id] }), ['b0 hit', 'b1 hit', 'b2 hit', 'b3 hit', 'b4 hit', 'b5 hit']);
        assert.deepEqual(await run({ startTime: T0 + 150, endTime: T0 + 300 }), ['b1 hit', 'a2 hit', 'b2 hit', 'a3 hit'], 'both ends inclusive');
        assert.deepEqual(await run({ notBefore: T0 + 450 }), ['b4 hit', 'a5 hit', 'b5 hit']);
        assert.deepEqual(await run({ streamIds: [] }), []);
        const first = await store.searchGroup(g.id, query('hit', { limit: 4 }));
        assert.deepEqual(messages(first.events), ['a0 hit', 'b0 hit', 'a1 hit', 'b1 hit']);
        assert.ok(first.resumeAfter);
        const next = await store.searchGroup(g.id, { ...query('hit', { limit: 4 }), after: first.resumeAfter });
        assert.deepEqual(messages(next.events), ['a2 hit', 'b2 hit', 'a3 hit', 'b3 hit']);
        const small = await store.searchGroup(g.id, query('hit', { maxBytes: 64 }));
        assert.deepEqual(messages(small.events), ['a0 hit', 'b0 hit'], 'two events of 6+26 bytes fit in 64');
        assert.deepEqual(messages((await store.searchGroup(g.id, query('hit', { maxBytes: 63 }))).events), ['a0 hit']);
      }
    });

    test('sweep: retention expires old events and their bytes; deleted groups and streams are purged', async () => {
      const g = await newGroup(store, 'sweep', { retentionDays: 1 });
      const s = await newStream(store, 'sweep', 's');
      const keep = await newGroup(store, 'sweep-keep');
      const k = await newStream(store, 'sweep-keep', 'k');
      const now = T0 + 30 * 86_400_000;
      const old = Array.from({ length: 5 }, (_, i) => ({ timestamp: now - 2 * 86_400_000 + i, message: `old ${i}` }));
      const fresh = [{ timestamp: now - 1000, message: 'fresh' }];
      await store.appendEvents(s.id, [...old, ...fresh], now);
      await store.appendEvents(k.id, old, now);
      const gone = await newGroup(store, 'sweep-gone');
      const gs = await newStream(store, 'sweep-gone', 'x');
      await store.appendEvents(gs.id, old, now);
      await store.deleteGroup('sweep-gone');
      await opened.settle();
      let total = { expired: 0, purged: 0 };
      for (;;) {
        const r = await store.sweep(now, 2);
        total = { expired: total.expired + r.expired, purged: total.purged + r.purged };
        if (r.expired + r.purged < 2) break;
      }
      assert.ok(total.expired >= 5 && total.purged >= 5, JSON.stringify(total));
      const left = await store.readStream(s.id, { direction: 'forward', from: { ts: MIN, id: 0 }, notBefore: MIN, limit: 100, maxBytes: 1e6 });
      assert.deepEqual(messages(left), ['fresh'], 'expired events are deleted, not only hidden');
      const after = (await store.getStream('sweep', 's'))!.stream!;
      assert.equal(after.storedBytes, 5);
      assert.equal(after.firstEventTimestamp, now - 1000);
      assert.equal((await store.getGroup('sweep'))!.storedBytes, 5);
      assert.equal((await store.readStream(k.id, { direction: 'forward', from: { ts: MIN, id: 0 }, notBefore: MIN, limit: 100, maxBytes: 1e6 })).length, 5,
        'groups without retention keep everything');
      await opened.settle();
      assert.deepEqual(messages((await searchAll(store, g.id, query('old'))).events), []);
      assert.deepEqual(messages((await searchAll(store, keep.id, query('old'))).events), old.map((e) => e.message));
      void gone;
    });

    test('many events: pages read across block boundaries both ways; retention cuts inside a block', async () => {
      const g = await newGroup(store, 'many', { retentionDays: 1 });
      const s = await newStream(store, 'many', 's');
      const now = T0 + 10 * 86_400_000;
      const cutoff = now - 86_400_000;
      // 10,000 events 10 ms apart around the cutoff, appended in batches of 1,000, and a second source interleaved.
      const all: { timestamp: number; message: string }[] = [];
      for (let b = 0; b < 10; b++) {
        const batch = Array.from({ length: 1000 }, (_, i) => ({ timestamp: cutoff - 50_005 + (b * 1000 + i) * 10, message: `ev-${b * 1000 + i}` }));
        await store.appendEvents(s.id, batch, now);
        all.push(...batch);
      }
      const other = Array.from({ length: 50 }, (_, i) => ({ timestamp: cutoff - 50_000 + i * 2000 + 5, message: `other-${i}` }));
      await store.appendEvents(s.id, other, now);
      all.push(...other);
      all.sort((a, b) => a.timestamp - b.timestamp);
      const page = (from: { ts: number; id: number }, direction: 'forward' | 'backward'): Promise<StoredLogEvent[]> =>
        store.readStream(s.id, { direction, from, notBefore: MIN, limit: 777, maxBytes: 1e6 });
      const forward: StoredLogEvent[] = [];
      for (let from = { ts: MIN, id: 0 }; ;) {
        const p = await page(from, 'forward');
        if (p.length === 0) break;
        forward.push(...p);
        from = { ts: p[p.length - 1]!.timestamp, id: p[p.length - 1]!.id };
      }
      assert.deepEqual(messages(forward), all.map((e) => e.message));
      const backward: StoredLogEvent[] = [];
      for (let from = { ts: MAX_KEY, id: MAX_KEY }; ;) {
        const p = await page(from, 'backward');
        if (p.length === 0) break;
        backward.unshift(...p);
        from = { ts: p[0]!.timestamp, id: p[0]!.id - 1 };
      }
      assert.deepEqual(messages(backward), all.map((e) => e.message));
      await opened.settle();
      for (;;) if ((await store.sweep(now, 500)).expired === 0) break;
      const kept = all.filter((e) => e.timestamp >= cutoff);
      const left = await store.readStream(s.id, { direction: 'forward', from: { ts: MIN, id: 0 }, notBefore: MIN, limit: 10_000, maxBytes: 1e7 });
      assert.deepEqual(messages(left), kept.map((e) => e.message), 'exactly the events older than the retention are gone');
      const stream = (await store.getStream('many', 's'))!.stream!;
      assert.equal(stream.storedBytes, kept.reduce((n, e) => n + Buffer.byteLength(e.message), 0));
      assert.equal(stream.firstEventTimestamp, kept[0]!.timestamp);
      await opened.settle();
      assert.deepEqual(messages((await searchAll(store, g.id, query('"ev-5000"'))).events), [], 'cut from the head of its block');
      assert.deepEqual(messages((await searchAll(store, g.id, query('"ev-5001"'))).events), ['ev-5001']);
      assert.deepEqual(messages((await searchAll(store, g.id, query('other'))).events), kept.filter((e) => e.message.startsWith('other')).map((e) => e.message));
    });

    test('survives a reopen: data, ids and the index carry on', async () => {
      await newGroup(store, 'persist');
      const s = await newStream(store, 'persist', 's');
      const before1 = await store.appendEvents(s.id, [{ timestamp: T0, message: 'before reopen' }], T0);
      opened = await opened.reopen();
      store = opened.store;
      const found = await store.getStream('persist', 's');
      assert.deepEqual(found?.stream, before1);
      await store.appendEvents(s.id, [{ timestamp: T0 + 1, message: 'after reopen' }], T0 + 1);
      const evs = await store.readStream(s.id, { direction: 'forward', from: { ts: MIN, id: 0 }, notBefore: MIN, limit: 10, maxBytes: 1e6 });
      assert.deepEqual(messages(evs), ['before reopen', 'after reopen']);
      assert.ok(evs[1]!.id > evs[0]!.id);
      await opened.settle();
      assert.deepEqual(messages((await searchAll(store, found!.group.id, query('reopen'))).events), ['before reopen', 'after reopen']);
    });

    test('reset forgets everything; a closed store is unavailable', async () => {
      await store.reset();
      assert.deepEqual(await store.listGroups({ limit: 100 }), []);
      const g = await newGroup(store, 'after-reset');
      const s = await newStream(store, 'after-reset', 's');
      await store.appendEvents(s.id, [{ timestamp: T0, message: 'new life' }], T0);
      await opened.settle();
      assert.deepEqual(messages((await searchAll(store, g.id, query('life'))).events), ['new life']);
      assert.deepEqual(messages((await searchAll(store, g.id, query('ERROR'))).events), []);
      const closed = opened.store;
      opened = await opened.reopen();
      store = opened.store;
      await assert.rejects(closed.getGroup('after-reset'), LogStoreUnavailableError);
    });
  });
}
