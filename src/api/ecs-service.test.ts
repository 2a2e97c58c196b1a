import { SessionAuthority } from '../iam/session-credentials.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { ControlPlane } from '../control-plane/context.js';
import { HostSignals } from '../control-plane/host-signals.js';
import * as clusters from '../control-plane/clusters.js';
import * as tasks from '../control-plane/tasks.js';
import type { Task } from '../ecs/wire.js';
import { ManualClock } from '../lib/clock.js';
import { SequentialIds } from '../lib/ids.js';
import { silentLogger } from '../lib/logger.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { ecsService } from './ecs-service.js';
import type { CallContext, JsonService } from './json-service.js';
import { ServiceModel } from './model/service-model.js';
import { JsonText } from './protocol.js';

const ECS_MODEL = resolve(process.env['PIER_ROOT'] ?? process.cwd(), 'models/ecs-2014-11-13.json');
const scope = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' };
const ctx: CallContext = { accessKeyId: 'AKID', principalArn: 'arn:aws:iam::123456789012:root', principal: { kind: 'root', arn: 'arn:aws:iam::123456789012:root', userId: '123456789012', accountId: '123456789012' }, requestId: 'r' };

let dir: string;
let store: SqliteStore;
let cp: ControlPlane;
let ecs: JsonService;

/** A stored task whose document has what JSON text can trip over: escapes, non-ASCII, fractions, nesting, integer-like keys. */
function storedTask(cluster: string, id: string, n: number): Task {
  return {
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/${cluster}/${id}`, clusterArn: `arn:aws:ecs:us-east-1:123456789012:cluster/${cluster}`,
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1', attachments: [], attributes: [],
    containers: [{ name: 'app "quoted" \\ back\tslash ü 漢字 \u2028 😀', exitCode: n, networkInterfaces: [] }],
    cpu: '256', memory: '512', createdAt: 1732250000.123 + n, desiredStatus: 'RUNNING', lastStatus: 'PROVISIONING',
    enableExecuteCommand: false, ephemeralStorage: { sizeInGiB: 20 }, fargateEphemeralStorage: { sizeInGiB: 20 },
    healthStatus: 'UNKNOWN', launchType: 'FARGATE', platformVersion: '1.4.0', platformFamily: 'Linux', version: n + 1,
    overrides: { containerOverrides: [{ name: 'app', environment: [{ name: '10', value: 'x' }, { name: 'a', value: '0.1' }] }], cpu: '0.5e1' },
    startedBy: `ü-${n}`,
  } as unknown as Task;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pier-ecs-service-'));
  store = new SqliteStore(join(dir, 'pier.db'));
  cp = {
    store, clock: new ManualClock(1_732_250_000_000), ids: new SequentialIds(), scope, log: silentLogger,
    config: { hostLostAfterMs: 30_000, heartbeatIntervalMs: 10_000, stoppedTaskRetentionMs: 3_600_000, availabilityZones: ['us-east-1a'], startedAtMs: 0 },
    hostSignals: new HostSignals(),
    sessions: new SessionAuthority(Buffer.alloc(32, 7)),
  };
  ecs = ecsService(cp, ServiceModel.fromFile(ECS_MODEL));
  for (const name of ['c1', 'c2', 'default']) await clusters.createCluster(cp, { clusterName: name });
  await store.transaction(async (tx) => {
    for (const [cluster, n] of [['c1', 5], ['c2', 2], ['default', 1]] as const) {
      for (let i = 0; i < n; i++) {
        const id = `${cluster === 'c1' ? 'a' : cluster === 'c2' ? 'b' : 'd'}${i}`.padEnd(32, '0');
        const task = storedTask(cluster, id, i);
        await tx.tasks.insert({
          id, clusterName: cluster, hostId: undefined, family: 'web', startedBy: task.startedBy, serviceName: undefined,
          size: { cpu: 256, memory: 512, ephemeralStorageGiB: 20 }, networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } }, task,
        });
      }
    }
  });
});

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function describe(input: Record<string, unknown>): Promise<unknown> {
  return ecs.operations.get('DescribeTasks')!(input, ctx);
}

const id = (prefix: string, i: number): string => `${prefix}${i}`.padEnd(32, '0');
const arn = (cluster: string, taskId: string): string => `arn:aws:ecs:us-east-1:123456789012:task/${cluster}/${taskId}`;

test('DescribeTasks splices the stored documents into exactly the text of the parsed reply', async () => {
  const inputs: Record<string, unknown>[] = [
    { cluster: 'c1', tasks: [id('a', 0)] },
    { cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/c1', tasks: [arn('c1', id('a', 3))] },
    { cluster: 'c1', tasks: [id('a', 4), id('a', 1), id('a', 4), arn('c1', id('a', 1)), id('a', 2)] },
    { cluster: 'c1', tasks: ['nope', id('b', 0), arn('c2', id('b', 0)), 'arn:aws:ecs:us-east-1:123456789012:task/bad/x/y', id('a', 0)] },
    { cluster: 'c1', tasks: [id('b', 1)] },
    { cluster: 'c1', tasks: ['not a task', '!'] },
    { cluster: 'c1', tasks: Array.from({ length: 100 }, (_, i) => id('a', i % 7)) },
    { tasks: [id('d', 0), id('a', 0)] },
    { cluster: 'c2', tasks: [id('b', 0), id('b', 1)], include: [] },
  ];
  for (const input of inputs) {
    const spliced = await describe(input);
    assert.ok(spliced instanceof JsonText, JSON.stringify(input));
    const parsed = await tasks.describeTasks(cp, input as unknown as tasks.DescribeTasksInput);
    assert.equal(spliced.text, JSON.stringify(parsed), JSON.stringify(input));
    assert.deepEqual(JSON.parse(spliced.text), parsed);
  }
  const one = JSON.parse(((await describe({ cluster: 'c1', tasks: [id('a', 2)] })) as JsonText).text) as { tasks: Task[]; failures: unknown[] };
  assert.deepEqual(one, { tasks: [storedTask('c1', id('a', 2), 2)], failures: [] });
});

test('DescribeTasks with include TAGS still parses the documents and adds the tags', async () => {
  await store.transaction((tx) => tx.tags.put(arn('c2', id('b', 1)), [{ key: 'k', value: 'v' }]));
  const out = await describe({ cluster: 'c2', tasks: [id('b', 1), id('b', 0)], include: ['TAGS'] }) as { tasks: Task[] };
  assert.ok(!(out instanceof JsonText));
  assert.deepEqual(out.tasks.map((t) => t.tags), [[{ key: 'k', value: 'v' }], []]);
  assert.equal(out.tasks[0]!.startedBy, 'ü-1');
});

test('DescribeTasks checks the cluster in the same read: unknown, deleted and reset clusters are not found', async () => {
  const rejectsNotFound = (p: Promise<unknown>): Promise<void> =>
    assert.rejects(p, (e: unknown) => (e as { code?: string }).code === 'ClusterNotFoundException');
  await rejectsNotFound(describe({ cluster: 'nope', tasks: [id('a', 0)] }));
  await rejectsNotFound(describe({ cluster: 'arn:aws:ecs:us-east-1:123456789012:task/c1/x', tasks: [id('a', 0)] }));
  await assert.rejects(describe({ cluster: 'c1', tasks: [] }), (e: unknown) => (e as { code?: string }).code === 'InvalidParameterException');

  await clusters.createCluster(cp, { clusterName: 'gone' });
  assert.ok(await describe({ cluster: 'gone', tasks: ['x'] }) instanceof JsonText);
  await clusters.deleteCluster(cp, { cluster: 'gone' });
  await rejectsNotFound(describe({ cluster: 'gone', tasks: ['x'] }));
  await rejectsNotFound(tasks.describeTasks(cp, { cluster: 'gone', tasks: ['x'] }));

  assert.ok(await describe({ cluster: 'c1', tasks: [id('a', 0)] }) instanceof JsonText);
  await store.reset();
  await rejectsNotFound(describe({ cluster: 'c1', tasks: [id('a', 0)] }));
  await clusters.createCluster(cp, { clusterName: 'c1' });
  const empty = await describe({ cluster: 'c1', tasks: [id('a', 0)] }) as JsonText;
  assert.deepEqual(JSON.parse(empty.text), { tasks: [], failures: [{ arn: arn('c1', id('a', 0)), reason: 'MISSING' }] });
});
