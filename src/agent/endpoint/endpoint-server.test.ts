import assert from 'node:assert/strict';
import { get } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { LocalContainer, LocalTaskState } from '../state/task-state.js';
import type { ContainerStatsProvider } from './container-stats.js';
import { TaskEndpointServer } from './endpoint-server.js';
import type { StatsPair } from './stats-format.js';
import type { TaskView } from './task-metadata.js';

const TASK = 'fedcba9876543210fedcba9876543210';
const running = (i: number): LocalContainer => ({ name: `c${i}`, runtimeId: `${TASK}-${i}`, dir: '/x', phase: 'running', essential: true, restartCount: 0 });
const containers: LocalContainer[] = [
  running(0),
  running(1),
  { ...running(2), phase: 'exited', exitCode: 0 },
  { ...running(3), phase: 'waiting' },
];
const state: LocalTaskState = {
  taskArn: `arn:aws:ecs:us-east-1:123456789012:task/default/${TASK}`, taskId: TASK, phase: 'running', startedAtMs: 0, containers,
  assignment: {
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/default/${TASK}`, taskId: TASK, clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default',
    desiredStatus: 'RUNNING', lastStatus: 'RUNNING', version: 1, overrides: {}, size: { cpu: 256, memory: 512, ephemeralStorageGiB: 20 },
    taskDefinition: { family: 'f', revision: 1, containerDefinitions: containers.map((c) => ({ name: c.name, image: 'busybox' })) },
  },
};
const view: TaskView = { state, health: new Map() };

/** Two samples per running container: CPU 1 s then 2 s, a second apart. */
const stats: ContainerStatsProvider = {
  async stats(_v, c): Promise<StatsPair | undefined> {
    if (c.phase !== 'running') return undefined;
    return { previous: { readAtMs: 1_000, cpu: { totalNs: 1e9 } }, current: { readAtMs: 2_000, cpu: { totalNs: 2e9 } } };
  },
};

function fetchJson(port: number, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    }).on('error', reject);
  });
}

describe('endpoint server: the stats paths', () => {
  let server: TaskEndpointServer;
  let bare: TaskEndpointServer;
  let port = 0;
  let barePort = 0;

  before(async () => {
    server = new TaskEndpointServer({ taskByAddress: (ip) => (ip === '127.0.0.1' ? view : undefined), stats });
    bare = new TaskEndpointServer({ taskByAddress: () => view });
    port = (await server.listen()).port;
    barePort = (await bare.listen()).port;
  });
  after(async () => {
    await server.close();
    await bare.close();
  });

  test('/v4/<id>/stats: that container\'s document, its previous sample as precpu_stats', async () => {
    const r = await fetchJson(port, `/v4/${TASK}-1/stats`);
    assert.equal(r.status, 200);
    const doc = r.body as Record<string, unknown>;
    assert.equal(doc.id, `${TASK}-1`);
    assert.equal(doc.name, 'c1');
    assert.deepEqual((doc.cpu_stats as { cpu_usage: unknown }).cpu_usage, { total_usage: 2e9, usage_in_kernelmode: 0, usage_in_usermode: 0 });
    assert.deepEqual((doc.precpu_stats as { cpu_usage: unknown }).cpu_usage, { total_usage: 1e9, usage_in_kernelmode: 0, usage_in_usermode: 0 });
    assert.equal(doc.preread, new Date(1_000).toISOString());
  });

  test('/v4/<id>/task/stats: every container that has run, by id; a stopped one is {}', async () => {
    const r = await fetchJson(port, `/v4/${TASK}-0/task/stats`);
    assert.equal(r.status, 200);
    const map = r.body as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(map), [`${TASK}-0`, `${TASK}-1`, `${TASK}-2`], 'the waiting container has no id to report yet');
    assert.equal(map[`${TASK}-0`]!.id, `${TASK}-0`);
    assert.deepEqual(map[`${TASK}-2`], {});
  });

  test('v3: the same paths, null for a stopped container and no network_rate_stats', async () => {
    const r = await fetchJson(port, `/v3/${TASK}-0/task/stats`);
    assert.equal(r.status, 200);
    assert.equal((r.body as Record<string, unknown>)[`${TASK}-2`], null);
    assert.equal((await fetchJson(port, `/v3/${TASK}-0/stats`)).status, 200);
  });

  test('a stopped container\'s /stats is a 500 with a JSON string, as ECS answers; another task\'s container a 404', async () => {
    assert.deepEqual(await fetchJson(port, `/v4/${TASK}-2/stats`), { status: 500, body: `Unable to get container stats for: ${TASK}-2` });
    assert.equal((await fetchJson(port, '/v4/0123456789abcdef0123456789abcdef-0/stats')).status, 404);
    assert.equal((await fetchJson(port, `/v4/${TASK}-0/stats/more`)).status, 404);
  });

  test('the metadata paths beside them still answer', async () => {
    assert.equal(((await fetchJson(port, `/v4/${TASK}-1`)).body as { DockerId: string }).DockerId, `${TASK}-1`);
    assert.equal(((await fetchJson(port, `/v4/${TASK}-1/task`)).body as { Family: string }).Family, 'f');
    assert.equal((await fetchJson(port, `/v4/${TASK}-1/stats/task`)).status, 404);
  });

  test('without a stats provider no container has stats', async () => {
    assert.equal((await fetchJson(barePort, `/v4/${TASK}-0/stats`)).status, 500);
    assert.deepEqual((await fetchJson(barePort, `/v4/${TASK}-0/task/stats`)).body, { [`${TASK}-0`]: {}, [`${TASK}-1`]: {}, [`${TASK}-2`]: {} });
  });
});
