/**
 * The logs control-plane paths that the AWS CLI cannot reach, on a real SQLite log store:
 * appendTaskLogEvents (the awslogs driver's path, with ECS's create-group semantics), the log group
 * quota (LimitExceededException) and a store that cannot serve (ServiceUnavailableException).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { logsService } from '../../src/api/logs-service.js';
import { ServiceModel } from '../../src/api/model/service-model.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { appendTaskLogEvents } from '../../src/logs/append.js';
import { DEFAULT_LOGS_LIMITS, type LogsContext } from '../../src/logs/context.js';
import { InvalidParameterException, LimitExceededException, ResourceNotFoundException, ServiceUnavailableException } from '../../src/logs/errors.js';
import { createLogGroup } from '../../src/logs/log-groups.js';
import { getLogEvents } from '../../src/logs/log-events.js';
import { SqliteLogStore } from '../../src/logs/sqlite/sqlite-log-store.js';
import { REPO_ROOT } from '../helpers/pier-process.js';

const NOW = Date.UTC(2026, 5, 1, 12);
const scope = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' };

describe('logs: the awslogs append path, quotas and unavailability', () => {
  let dir: string;
  let store: SqliteLogStore;
  let ctx: LogsContext;
  const clock = new ManualClock(NOW);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pier-logappend-'));
    store = SqliteLogStore.open({ dir, indexer: 'inline' });
    ctx = { store, clock, scope, log: silentLogger, limits: DEFAULT_LOGS_LIMITS };
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const lines = async (group: string, stream: string): Promise<string[]> =>
    (await getLogEvents(ctx, { logGroupName: group, logStreamName: stream, startFromHead: true })).events.map((e) => e.message);

  test('a missing group is ResourceNotFoundException unless awslogs-create-group is true; nothing is created', async () => {
    await assert.rejects(
      appendTaskLogEvents(ctx, { logGroupName: '/ecs/web', logStreamName: 'ecs/app/0123', createGroup: false, events: [{ timestamp: NOW, message: 'x' }] }),
      (e: unknown) => e instanceof ResourceNotFoundException && e.message === 'The specified log group does not exist.',
    );
    assert.equal(await store.getGroup('/ecs/web'), undefined);
  });

  test('with awslogs-create-group the group and the stream are created; later batches reuse them', async () => {
    const first = await appendTaskLogEvents(ctx, {
      logGroupName: '/ecs/web', logStreamName: 'ecs/app/0123', createGroup: true, events: [{ timestamp: NOW - 10, message: 'hello' }],
    });
    assert.deepEqual([first.accepted, first.rejected, first.stream.name], [1, 0, 'ecs/app/0123']);
    const second = await appendTaskLogEvents(ctx, {
      logGroupName: '/ecs/web', logStreamName: 'ecs/app/0123', createGroup: true, events: [{ timestamp: NOW - 5, message: 'again' }],
    });
    assert.equal(second.stream.id, first.stream.id);
    assert.deepEqual(await lines('/ecs/web', 'ecs/app/0123'), ['hello', 'again']);
  });

  test('an existing group needs no create-group; the stream is created on first use', async () => {
    await createLogGroup(ctx, { logGroupName: '/ecs/api' });
    const r = await appendTaskLogEvents(ctx, { logGroupName: '/ecs/api', logStreamName: 'p/c/1', createGroup: false, events: [{ timestamp: NOW, message: 'up' }] });
    assert.equal(r.accepted, 1);
    assert.deepEqual(await lines('/ecs/api', 'p/c/1'), ['up']);
  });

  test('any batch shape: unsorted, more than 10,000 events, more than 24 hours; refused events are counted', async () => {
    const events = [
      ...Array.from({ length: 12_000 }, (_, i) => ({ timestamp: NOW - 1000 + (i % 7), message: `line ${i}` })),
      { timestamp: NOW - 3 * 86_400_000, message: 'three days ago' },
      { timestamp: NOW - 20 * 86_400_000, message: 'too old' },
      { timestamp: NOW + 5 * 3600_000, message: 'too new' },
    ].reverse();
    const r = await appendTaskLogEvents(ctx, { logGroupName: '/ecs/api', logStreamName: 'p/c/2', createGroup: false, events });
    assert.deepEqual([r.accepted, r.rejected], [12_001, 2]);
    const got = await lines('/ecs/api', 'p/c/2');
    assert.equal(got.length, 10_000, 'GetLogEvents pages at 10,000');
    const all = (await store.readStream(r.stream.id, { direction: 'forward', from: { ts: Number.MIN_SAFE_INTEGER, id: 0 }, notBefore: Number.MIN_SAFE_INTEGER, limit: 20_000, maxBytes: 1e9 }))
      .map((e) => e.message);
    assert.equal(all[0], 'three days ago');
    const byTimestamp = events.filter((e) => e.message.startsWith('line ')).sort((a, b) => a.timestamp - b.timestamp);
    assert.deepEqual(all.slice(1), byTimestamp.map((e) => e.message), 'sorted by timestamp; same-timestamp lines keep their order');
  });

  test('bad names are InvalidParameterException before anything is created', async () => {
    await assert.rejects(appendTaskLogEvents(ctx, { logGroupName: 'bad name', logStreamName: 's', createGroup: true, events: [{ timestamp: NOW, message: 'x' }] }), InvalidParameterException);
    await assert.rejects(appendTaskLogEvents(ctx, { logGroupName: '/ok', logStreamName: 'a:b', createGroup: true, events: [{ timestamp: NOW, message: 'x' }] }), InvalidParameterException);
    assert.equal(await store.getGroup('/ok'), undefined);
  });

  test('CreateLogGroup past the account quota is LimitExceededException', async () => {
    const small: LogsContext = { ...ctx, limits: { maxLogGroups: await store.countGroups() + 1 } };
    await createLogGroup(small, { logGroupName: '/quota/one' });
    await assert.rejects(createLogGroup(small, { logGroupName: '/quota/two' }), LimitExceededException);
    assert.equal(await store.getGroup('/quota/two'), undefined);
  });

  test('a store that cannot serve answers ServiceUnavailableException through the API', async () => {
    const model = ServiceModel.fromFile(join(REPO_ROOT, 'models', 'logs-2014-03-28.json'));
    const closedDir = mkdtempSync(join(tmpdir(), 'pier-logclosed-'));
    const closed = SqliteLogStore.open({ dir: closedDir, indexer: 'inline' });
    await closed.close();
    try {
      const service = logsService({ ...ctx, store: closed }, model);
      const describe = service.operations.get('DescribeLogGroups')!;
      await assert.rejects(describe({}, undefined as never), (e: unknown) => e instanceof ServiceUnavailableException && e.status === 500);
    } finally {
      rmSync(closedDir, { recursive: true, force: true });
    }
  });
});
