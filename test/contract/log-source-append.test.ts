/**
 * The awslogs driver's exactly-once append (appendTaskSourceEvents over the SQLite log store): each
 * byte range of a source is stored once, sources are independent, the watermark survives reopening
 * the store, and a deleted stream starts again from nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { appendTaskSourceEvents } from '../../src/logs/append.js';
import { DEFAULT_LOGS_LIMITS, type LogsContext } from '../../src/logs/context.js';
import { batchOf, type EventBatch } from '../../src/logs/event-batch.js';
import { getLogEvents } from '../../src/logs/log-events.js';
import { deleteLogStream } from '../../src/logs/log-streams.js';
import { SqliteLogStore } from '../../src/logs/sqlite/sqlite-log-store.js';

const NOW = Date.UTC(2026, 11, 5, 12);
const scope = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' };
const target = { logGroupName: '/ecs/app', logStreamName: 'ecs/web/0123', createGroup: true };
const ev = (offset: number, message: string, timestamp = NOW - 1000): { offset: number; message: string; timestamp: number } => ({ offset, message, timestamp });
const events = (...list: ReturnType<typeof ev>[]): EventBatch => batchOf(list);

describe('logs: appending a source exactly once', () => {
  let dir: string;
  let store: SqliteLogStore;
  let ctx: LogsContext;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pier-logsource-'));
    store = SqliteLogStore.open({ dir, indexer: 'inline' });
    ctx = { store, clock: new ManualClock(NOW), scope, log: silentLogger, limits: DEFAULT_LOGS_LIMITS };
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const lines = async (): Promise<string[]> =>
    (await getLogEvents(ctx, { logGroupName: target.logGroupName, logStreamName: target.logStreamName, startFromHead: true })).events.map((e) => e.message);

  test('a batch sent again, or overlapping what was stored, stores only what is new', async () => {
    assert.deepEqual(await appendTaskSourceEvents(ctx, { ...target, source: 'stdout', toOffset: 0, events: events() }), { watermark: 0, appended: 0 });
    assert.deepEqual(await appendTaskSourceEvents(ctx, { ...target, source: 'stdout', toOffset: 8, events: events(ev(0, 'one'), ev(4, 'two')) }), { watermark: 8, appended: 2 });
    assert.deepEqual(await appendTaskSourceEvents(ctx, { ...target, source: 'stdout', toOffset: 8, events: events(ev(0, 'one'), ev(4, 'two')) }), { watermark: 8, appended: 0 });
    const overlap = await appendTaskSourceEvents(ctx, { ...target, source: 'stdout', toOffset: 14, events: events(ev(4, 'two'), ev(8, 'three')) });
    assert.deepEqual(overlap, { watermark: 14, appended: 1 });
    assert.deepEqual(await lines(), ['one', 'two', 'three']);
  });

  test('sources of one stream keep their own watermark; it outlives the store being reopened', async () => {
    assert.deepEqual(await appendTaskSourceEvents(ctx, { ...target, source: 'stderr', toOffset: 4, events: events(ev(0, 'err')) }), { watermark: 4, appended: 1 });
    await store.close();
    store = SqliteLogStore.open({ dir, indexer: 'inline' });
    ctx = { ...ctx, store };
    assert.deepEqual(await appendTaskSourceEvents(ctx, { ...target, source: 'stdout', toOffset: 0, events: events() }), { watermark: 14, appended: 0 });
    assert.deepEqual(await appendTaskSourceEvents(ctx, { ...target, source: 'stderr', toOffset: 4, events: events(ev(0, 'err')) }), { watermark: 4, appended: 0 });
    assert.deepEqual((await lines()).sort(), ['err', 'one', 'three', 'two']);
  });

  test('events CloudWatch would refuse are skipped but passed; a deleted stream starts from nothing', async () => {
    const old = NOW - 15 * 24 * 3600_000;
    const r = await appendTaskSourceEvents(ctx, { ...target, source: 'stdout', toOffset: 30, events: events(ev(14, 'ancient', old), ev(22, 'fresh')) });
    assert.deepEqual(r, { watermark: 30, appended: 1 });
    await deleteLogStream(ctx, { logGroupName: target.logGroupName, logStreamName: target.logStreamName });
    assert.deepEqual(await appendTaskSourceEvents(ctx, { ...target, source: 'stdout', toOffset: 4, events: events(ev(0, 'again')) }), { watermark: 4, appended: 1 });
    assert.deepEqual(await lines(), ['again']);
  });
});
