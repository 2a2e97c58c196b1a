/**
 * The server side of the agent protocol, against real `pier up` processes: registration with the
 * join token, host tokens, heartbeats, assignments and their long-poll, reports moving tasks
 * forward only, capacity accounting, and lost hosts. The ECS side is driven with the AWS SDK.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type RunTaskCommandOutput,
  type Task,
} from '@aws-sdk/client-ecs';
import { defaultNetwork, type DefaultNetwork } from '../helpers/ec2-query.js';
import { startPier, type PierProcess } from '../helpers/pier-process.js';
import { AgentHttpError, TestHost } from '../helpers/test-host.js';

/** Each pier's default subnets by zone (every task may go to any zone with room). */
const networks = new Map<ECSClient, DefaultNetwork>();
const subnetsOf = (ecs: ECSClient): string[] => [...networks.get(ecs)!.subnetByZone.values()];
const ARN_TASK = /^arn:aws:ecs:[a-z0-9-]+:\d{12}:task\/[A-Za-z0-9_-]+\/[0-9a-f]{32}$/;

interface AgentResponse { status: number; json: any; elapsedMs: number }

/** One agent-protocol call with full control over token and body. */
async function agentCall(endpoint: string, method: string, path: string, token: string | undefined, body?: unknown): Promise<AgentResponse> {
  const started = Date.now();
  const res = await fetch(new URL(path, endpoint), {
    method,
    headers: { ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, json, elapsedMs: Date.now() - started };
}

async function expectAgentError(p: Promise<unknown>, status: number, code?: string): Promise<AgentHttpError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof AgentHttpError, `expected an agent HTTP ${status}, got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.status, status, JSON.stringify(caught.body));
  if (code) assert.equal((caught.body as { code?: string }).code, code);
  assert.equal(typeof (caught.body as { message?: unknown }).message, 'string');
  return caught;
}

const joinTokenOf = (p: PierProcess): string => readFileSync(join(p.dataDir, 'agent-token'), 'utf8').trim();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function client(p: PierProcess): ECSClient {
  return new ECSClient({
    endpoint: p.endpoint, region: p.region, maxAttempts: 1,
    credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey },
  });
}

async function setupEcs(ecs: ECSClient, cluster: string, family: string, size: { cpu: string; memory: string } = { cpu: '256', memory: '512' }): Promise<void> {
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  await ecs.send(new RegisterTaskDefinitionCommand({
    family, requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', ...size,
    containerDefinitions: [
      { name: 'app', image: 'nginx', essential: true },
      { name: 'sidecar', image: 'busybox', essential: false },
    ],
  }));
}

function runTask(ecs: ECSClient, cluster: string, taskDefinition: string, count = 1): Promise<RunTaskCommandOutput> {
  return ecs.send(new RunTaskCommand({
    cluster, taskDefinition, count, launchType: 'FARGATE',
    networkConfiguration: { awsvpcConfiguration: { subnets: subnetsOf(ecs) } },
  }));
}

async function runOne(ecs: ECSClient, cluster: string, taskDefinition: string): Promise<Task> {
  const out = await runTask(ecs, cluster, taskDefinition);
  assert.deepEqual(out.failures, [], JSON.stringify(out.failures));
  assert.equal(out.tasks?.length, 1);
  return out.tasks[0]!;
}

async function describeTask(ecs: ECSClient, cluster: string, arn: string): Promise<Task> {
  const out = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [arn] }));
  assert.equal(out.tasks?.length, 1, JSON.stringify(out.failures));
  return out.tasks[0]!;
}

const processes: PierProcess[] = [];
const clients: ECSClient[] = [];
after(async () => {
  for (const c of clients) c.destroy();
  for (const p of processes) await p.destroy();
});

async function pierUp(args: string[] = []): Promise<{ pier: PierProcess; ecs: ECSClient }> {
  const pier = await startPier({ args });
  processes.push(pier);
  const ecs = client(pier);
  clients.push(ecs);
  networks.set(ecs, await defaultNetwork({ endpoint: pier.endpoint, region: pier.region, credentials: pier }));
  return { pier, ecs };
}

describe('registration, tokens and heartbeats', () => {
  let pier: PierProcess;

  before(async () => {
    ({ pier } = await pierUp());
  });

  test('registering with the join token returns a host id and token', async () => {
    const res = await agentCall(pier.endpoint, 'POST', '/agent/v1/hosts', joinTokenOf(pier), {
      availabilityZone: `${pier.region}b`, capacity: { cpu: 0, memory: 0, ephemeralStorageGiB: 0 }, hostname: 'h1', runtimes: ['runsc'],
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.match(res.json.hostId, /^h-[0-9a-f]{32}$/);
    assert.equal(typeof res.json.hostToken, 'string');
    assert.ok(res.json.hostToken.length >= 32);
    assert.equal(res.json.lostAfterSeconds, 30);
    assert.ok(res.json.heartbeatIntervalSeconds > 0 && res.json.heartbeatIntervalSeconds < 30, String(res.json.heartbeatIntervalSeconds));

    // Heartbeat with the host token.
    const hb = await agentCall(pier.endpoint, 'POST', `/agent/v1/hosts/${res.json.hostId}/heartbeat`, res.json.hostToken, {});
    assert.equal(hb.status, 200);
    assert.deepEqual(hb.json, {});
    const tasks = await agentCall(pier.endpoint, 'GET', `/agent/v1/hosts/${res.json.hostId}/tasks`, res.json.hostToken);
    assert.equal(tasks.status, 200);
    assert.deepEqual(tasks.json.tasks, []);
    assert.equal(typeof tasks.json.cursor, 'string');

    // Two registrations are two hosts.
    const other = await TestHost.register(pier.endpoint, pier.dataDir, { capacity: { cpu: 0, memory: 0, ephemeralStorageGiB: 0 } });
    assert.notEqual(other.hostId, res.json.hostId);
    await other.heartbeat();
  });

  test('a wrong or missing join token -> 401', async () => {
    const body = { availabilityZone: '', capacity: { cpu: 1024, memory: 2048, ephemeralStorageGiB: 20 } };
    for (const token of [undefined, '', 'wrong', `${joinTokenOf(pier)}x`, pier.secretAccessKey]) {
      const res = await agentCall(pier.endpoint, 'POST', '/agent/v1/hosts', token, body);
      assert.equal(res.status, 401, `token ${String(token)}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.code, 'Unauthorized');
    }
  });

  test('bad capacity, availability zone, host id or body -> 400', async () => {
    const token = joinTokenOf(pier);
    const good = { cpu: 1024, memory: 2048, ephemeralStorageGiB: 20 };
    const cases: [string, unknown, string?][] = [
      ['no capacity', { availabilityZone: '' }, 'InvalidCapacity'],
      ['negative cpu', { capacity: { ...good, cpu: -1 } }, 'InvalidCapacity'],
      ['fractional memory', { capacity: { ...good, memory: 1.5 } }, 'InvalidCapacity'],
      ['string cpu', { capacity: { ...good, cpu: '1024' } }, 'InvalidCapacity'],
      ['no storage', { capacity: { cpu: 1024, memory: 2048 } }, 'InvalidCapacity'],
      ['unknown AZ', { availabilityZone: 'mars-north-1a', capacity: good }, 'InvalidAvailabilityZone'],
      ['other region AZ', { availabilityZone: pier.region === 'eu-west-1' ? 'us-east-1a' : 'eu-west-1a', capacity: good }, 'InvalidAvailabilityZone'],
      ['malformed hostId', { hostId: 'h-not-hex', capacity: good }, 'InvalidHostId'],
      ['not JSON', '{"capacity":'],
      ['JSON array', '[]'],
    ];
    for (const [what, body, code] of cases) {
      const res = await agentCall(pier.endpoint, 'POST', '/agent/v1/hosts', token, body);
      assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.json)}`);
      if (code) assert.equal(res.json.code, code, what);
      assert.equal(typeof res.json.message, 'string');
    }
  });

  test('a wrong host token -> 401 on every host call; unknown routes 404, wrong methods 405', async () => {
    const a = await TestHost.register(pier.endpoint, pier.dataDir, { capacity: { cpu: 0, memory: 0, ephemeralStorageGiB: 0 } });
    const b = await agentCall(pier.endpoint, 'POST', '/agent/v1/hosts', joinTokenOf(pier), { availabilityZone: '', capacity: { cpu: 0, memory: 0, ephemeralStorageGiB: 0 } });
    const unknownHost = `h-${'0'.repeat(32)}`;
    const calls: [string, string, unknown?][] = [
      ['POST', 'heartbeat', {}],
      ['GET', 'tasks'],
      ['POST', 'reports', { taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/default/0123456789abcdef0123456789abcdef', report: { lastStatus: 'RUNNING' } }],
    ];
    for (const [method, action, body] of calls) {
      for (const [hostId, token] of [
        [a.hostId, 'wrong-token'], [a.hostId, undefined], [a.hostId, b.json.hostToken], [a.hostId, joinTokenOf(pier)], [unknownHost, b.json.hostToken],
      ] as [string, string | undefined][]) {
        const res = await agentCall(pier.endpoint, method, `/agent/v1/hosts/${hostId}/${action}`, token, body);
        assert.equal(res.status, 401, `${method} ${action} as ${hostId} with ${String(token)}: ${JSON.stringify(res.json)}`);
        assert.equal(res.json.code, 'Unauthorized');
      }
    }
    await a.heartbeat();
    assert.equal((await agentCall(pier.endpoint, 'GET', `/agent/v1/hosts/${a.hostId}/bogus`, b.json.hostToken)).status, 404);
    assert.equal((await agentCall(pier.endpoint, 'GET', '/agent/v1/nothing', undefined)).status, 404);
    const wrongMethod = await agentCall(pier.endpoint, 'GET', `/agent/v1/hosts/${b.json.hostId}/heartbeat`, b.json.hostToken);
    assert.equal(wrongMethod.status, 405);
  });

  test('registering again with a known hostId keeps the id and issues a new token', async () => {
    const token = joinTokenOf(pier);
    const first = await agentCall(pier.endpoint, 'POST', '/agent/v1/hosts', token, { availabilityZone: '', capacity: { cpu: 0, memory: 0, ephemeralStorageGiB: 0 } });
    const again = await agentCall(pier.endpoint, 'POST', '/agent/v1/hosts', token, {
      hostId: first.json.hostId, availabilityZone: '', capacity: { cpu: 0, memory: 0, ephemeralStorageGiB: 0 },
    });
    assert.equal(again.status, 200);
    assert.equal(again.json.hostId, first.json.hostId);
    assert.notEqual(again.json.hostToken, first.json.hostToken);
    assert.equal((await agentCall(pier.endpoint, 'POST', `/agent/v1/hosts/${first.json.hostId}/heartbeat`, again.json.hostToken, {})).status, 200);
    assert.equal((await agentCall(pier.endpoint, 'POST', `/agent/v1/hosts/${first.json.hostId}/heartbeat`, first.json.hostToken, {})).status, 401,
      'the old host token stops working');
  });

  test('an ACTIVE host registering again (agent restart) keeps its tasks', async () => {
    const ecs = client(pier);
    clients.push(ecs);
    networks.set(ecs, await defaultNetwork({ endpoint: pier.endpoint, region: pier.region, credentials: pier }));
    await setupEcs(ecs, 'rereg', 'rereg-fam');
    // The only host in this server with room.
    const first = await agentCall(pier.endpoint, 'POST', '/agent/v1/hosts', joinTokenOf(pier), {
      availabilityZone: `${pier.region}a`, capacity: { cpu: 1024, memory: 2048, ephemeralStorageGiB: 100 },
    });
    const task = await runOne(ecs, 'rereg', 'rereg-fam');
    const hostPath = `/agent/v1/hosts/${first.json.hostId}`;
    assert.equal((await agentCall(pier.endpoint, 'POST', `${hostPath}/reports`, first.json.hostToken, { taskArn: task.taskArn, report: { lastStatus: 'RUNNING' } })).status, 200);

    const again = await agentCall(pier.endpoint, 'POST', '/agent/v1/hosts', joinTokenOf(pier), {
      hostId: first.json.hostId, availabilityZone: `${pier.region}a`, capacity: { cpu: 1024, memory: 2048, ephemeralStorageGiB: 100 },
    });
    assert.equal(again.status, 200);
    const assigned = await agentCall(pier.endpoint, 'GET', `${hostPath}/tasks`, again.json.hostToken);
    assert.deepEqual((assigned.json.tasks as { taskArn: string; lastStatus: string }[]).map((t) => [t.taskArn, t.lastStatus]), [[task.taskArn, 'RUNNING']]);
    const d = await describeTask(ecs, 'rereg', task.taskArn!);
    assert.equal(d.lastStatus, 'RUNNING');
    assert.equal(d.desiredStatus, 'RUNNING');
    // Its capacity is still taken by the task.
    const out = await runTask(ecs, 'rereg', 'rereg-fam', 4);
    assert.equal(out.tasks?.length, 3, `room for three more 256-CPU tasks: ${JSON.stringify(out.failures)}`);
    assert.equal(out.failures?.[0]?.reason, 'RESOURCE:FARGATE');
  });
});

describe('capacity accounting', () => {
  let pier: PierProcess;
  let ecs: ECSClient;
  let host: TestHost;
  const cluster = 'cap';

  before(async () => {
    ({ pier, ecs } = await pierUp());
    await setupEcs(ecs, cluster, 'small');
    await setupEcs(ecs, 'cap-big', 'big', { cpu: '512', memory: '1024' });
    host = await TestHost.register(pier.endpoint, pier.dataDir, { capacity: { cpu: 512, memory: 1024, ephemeralStorageGiB: 100 } });
  });

  test('a 512/1024 host takes two 256/512 tasks; the third gets RESOURCE:FARGATE; STOPPED tasks free capacity', async () => {
    const first = await runOne(ecs, cluster, 'small');
    const second = await runOne(ecs, cluster, 'small');
    for (const t of [first, second]) {
      const assigned = (await host.tasks()).tasks.find((a) => a.taskArn === t.taskArn);
      assert.ok(assigned, 'placed on the only host');
      assert.deepEqual(assigned.size, { cpu: 256, memory: 512, ephemeralStorageGiB: 20 });
    }

    const third = await runTask(ecs, cluster, 'small');
    assert.equal(third.$metadata.httpStatusCode, 200);
    assert.deepEqual(third.tasks, []);
    assert.equal(third.failures?.length, 1);
    assert.equal(third.failures![0]!.reason, 'RESOURCE:FARGATE');
    assert.match(third.failures![0]!.detail ?? '', /256 CPU units/);
    assert.match(third.failures![0]!.detail ?? '', /512 MiB/);

    // Stop requested is not stopped: the containers still hold the resources.
    await host.runTask(first.taskArn!, ['app', 'sidecar']);
    await ecs.send(new StopTaskCommand({ cluster, task: first.taskArn! }));
    const stillFull = await runTask(ecs, cluster, 'small');
    assert.equal(stillFull.failures?.[0]?.reason, 'RESOURCE:FARGATE');

    await host.exitTask(first.taskArn!, { app: 143, sidecar: 143 });
    const fourth = await runOne(ecs, cluster, 'small');
    assert.equal((await host.tasks()).tasks.length, 2);

    // count 2 with room for none: both fail; 512-CPU task does not fit next to two 256s.
    const batch = await runTask(ecs, cluster, 'small', 2);
    assert.equal(batch.tasks?.length, 0);
    assert.deepEqual(batch.failures?.map((f) => f.reason), ['RESOURCE:FARGATE', 'RESOURCE:FARGATE']);

    // A task stopping on its own frees its share too.
    await host.runTask(second.taskArn!, ['app']);
    await host.exitTask(second.taskArn!, { app: 1 });
    const partial = await runTask(ecs, cluster, 'small', 3);
    assert.equal(partial.tasks?.length, 1, 'one of three fits');
    assert.equal(partial.failures?.length, 2);

    for (const arn of [fourth.taskArn!, partial.tasks![0]!.taskArn!]) {
      await ecs.send(new StopTaskCommand({ cluster, task: arn }));
      await host.exitTask(arn, { app: 143 });
    }
    assert.deepEqual((await host.tasks()).tasks, []);
    const big = await runTask(ecs, 'cap-big', 'big');
    assert.equal(big.tasks?.length, 1, `the whole host is free again: ${JSON.stringify(big.failures)}`);
    const tooBig = await runTask(ecs, 'cap-big', 'big');
    assert.match(tooBig.failures?.[0]?.detail ?? '', /512 CPU units, 1024 MiB/);
  });
});

describe('assignments, long-poll and reports', () => {
  let pier: PierProcess;
  let ecs: ECSClient;
  let host: TestHost;
  let idle: TestHost;
  const cluster = 'life';
  const family = 'life-fam';

  before(async () => {
    ({ pier, ecs } = await pierUp());
    await setupEcs(ecs, cluster, family);
    host = await TestHost.register(pier.endpoint, pier.dataDir, { availabilityZone: `${pier.region}c` });
    // A host with no room: RunTask never places anything here.
    idle = await TestHost.register(pier.endpoint, pier.dataDir, { availabilityZone: `${pier.region}a`, capacity: { cpu: 0, memory: 0, ephemeralStorageGiB: 0 } });
  });

  test('RunTask places the task on the host: assignment and DescribeTasks agree', async () => {
    const task = await runOne(ecs, cluster, family);
    assert.match(task.taskArn!, ARN_TASK);
    assert.equal(task.lastStatus, 'PROVISIONING');
    assert.equal(task.availabilityZone, `${pier.region}c`, 'the AZ of the host it was placed on');
    const described = await describeTask(ecs, cluster, task.taskArn!);
    assert.equal(described.lastStatus, 'PROVISIONING');
    assert.equal(described.desiredStatus, 'RUNNING');
    assert.equal(described.availabilityZone, `${pier.region}c`);

    const { tasks } = await host.tasks();
    const a = tasks.find((t) => t.taskArn === task.taskArn);
    assert.ok(a, 'the host is assigned the task');
    assert.equal(a.taskId, task.taskArn!.split('/').pop());
    assert.equal(a.clusterArn, task.clusterArn);
    assert.equal(a.desiredStatus, 'RUNNING');
    assert.equal(a.lastStatus, 'PROVISIONING');
    assert.equal(a.version, 1);
    assert.equal(a.availabilityZone, `${pier.region}c`);
    assert.equal(a.capacityProviderName, undefined);
    assert.deepEqual(a.size, { cpu: 256, memory: 512, ephemeralStorageGiB: 20 });
    assert.equal(a.taskDefinition.family, family);
    assert.equal(a.taskDefinition.taskDefinitionArn, task.taskDefinitionArn);
    assert.deepEqual((a.taskDefinition.containerDefinitions as { name: string }[]).map((c) => c.name), ['app', 'sidecar']);
    assert.deepEqual((a.networkConfiguration as { awsvpcConfiguration: { subnets: string[] } }).awsvpcConfiguration.subnets, subnetsOf(ecs));
    assert.deepEqual((await idle.tasks()).tasks, [], 'nothing on the host without room');

    await ecs.send(new StopTaskCommand({ cluster, task: task.taskArn! }));
    await host.exitTask(task.taskArn!, {});
  });

  test('reports move lastStatus forward only and set timestamps, connectivity, exit codes and runtime ids; version counts changes', async () => {
    const task = await runOne(ecs, cluster, family);
    const arn = task.taskArn!;
    const versions: number[] = [task.version!];
    const t0 = Date.now() - 3000;

    const precreated = task.attachments?.find((x) => x.type === 'ElasticNetworkInterface');
    assert.equal(precreated?.status, 'PRECREATED');
    assert.deepEqual(precreated?.details?.map((x) => x.name), ['subnetId'], 'RunTask shows only the subnet of the ENI');
    const pending = await host.report(arn, { lastStatus: 'PENDING', pullStartedAt: t0, pullStoppedAt: t0 + 1500 });
    assert.equal(pending.lastStatus, 'PENDING');
    versions.push(pending.version);
    let d = await describeTask(ecs, cluster, arn);
    assert.equal(d.lastStatus, 'PENDING');
    assert.equal(d.version, pending.version);
    assert.equal(d.pullStartedAt?.getTime(), t0);
    assert.equal(d.pullStoppedAt?.getTime(), t0 + 1500);
    assert.equal(d.startedAt, undefined);
    const eni = d.attachments?.find((x) => x.type === 'ElasticNetworkInterface');
    assert.equal(eni?.status, 'ATTACHED');
    assert.deepEqual(eni?.details?.map((x) => x.name), ['subnetId', 'networkInterfaceId', 'macAddress', 'privateDnsName', 'privateIPv4Address']);
    const ip = eni?.details?.find((x) => x.name === 'privateIPv4Address')?.value;
    assert.match(ip ?? '', /^\d+\.\d+\.\d+\.\d+$/);
    assert.match(eni?.details?.find((x) => x.name === 'networkInterfaceId')?.value ?? '', /^eni-[0-9a-f]{17}$/);
    assert.deepEqual(d.containers?.map((c) => c.networkInterfaces?.[0]?.privateIpv4Address), [ip, ip], 'containers show the ENI address');
    assert.equal(eni?.details?.find((x) => x.name === 'subnetId')?.value, networks.get(ecs)!.subnetByZone.get(d.availabilityZone!));

    const startedAt = Date.now() - 1000;
    const running = await host.report(arn, {
      lastStatus: 'RUNNING', at: startedAt,
      containers: [{ name: 'app', lastStatus: 'RUNNING', runtimeId: 'rt-app-1', imageDigest: 'sha256:abc' }, { name: 'sidecar', lastStatus: 'RUNNING', runtimeId: 'rt-side-1' }],
    });
    assert.equal(running.lastStatus, 'RUNNING');
    versions.push(running.version);
    d = await describeTask(ecs, cluster, arn);
    assert.equal(d.lastStatus, 'RUNNING');
    assert.equal(d.startedAt?.getTime(), startedAt);
    assert.equal(d.connectivity, 'CONNECTED');
    assert.equal(d.connectivityAt?.getTime(), startedAt);
    assert.equal(d.pullStartedAt?.getTime(), t0, 'pull times are set once');
    const app = d.containers?.find((c) => c.name === 'app');
    assert.equal(app?.lastStatus, 'RUNNING');
    assert.equal(app?.runtimeId, 'rt-app-1');
    assert.equal(app?.imageDigest, 'sha256:abc');
    assert.equal(d.containers?.find((c) => c.name === 'sidecar')?.runtimeId, 'rt-side-1');

    // A late PENDING (and a repeated RUNNING) change nothing.
    const late = await host.report(arn, { lastStatus: 'PENDING', pullStartedAt: Date.now() });
    assert.equal(late.lastStatus, 'RUNNING');
    assert.equal(late.version, running.version, 'an ignored report does not bump the version');
    const lateContainers = await host.report(arn, { lastStatus: 'PENDING', containers: [{ name: 'app', lastStatus: 'PENDING' }] });
    assert.equal(lateContainers.version, running.version);
    const repeated = await host.report(arn, {
      lastStatus: 'RUNNING', containers: [{ name: 'app', lastStatus: 'RUNNING', runtimeId: 'rt-app-1' }],
    });
    assert.equal(repeated.version, running.version, 'a repeated report does not bump the version');
    d = await describeTask(ecs, cluster, arn);
    assert.equal(d.lastStatus, 'RUNNING');
    assert.equal(d.pullStartedAt?.getTime(), t0);
    assert.equal(d.containers?.find((c) => c.name === 'app')?.lastStatus, 'RUNNING');
    assert.equal(d.version, running.version);

    // The non-essential sidecar exits: the task keeps running.
    const sideExit = await host.report(arn, { lastStatus: 'RUNNING', containers: [{ name: 'sidecar', lastStatus: 'STOPPED', exitCode: 0 }] });
    versions.push(sideExit.version);
    d = await describeTask(ecs, cluster, arn);
    assert.equal(d.desiredStatus, 'RUNNING');
    assert.equal(d.containers?.find((c) => c.name === 'sidecar')?.exitCode, 0);

    // The essential container exits on its own.
    const stopping = await host.report(arn, { lastStatus: 'STOPPING', containers: [{ name: 'app', lastStatus: 'STOPPED', exitCode: 2, reason: 'exited' }] });
    assert.equal(stopping.desiredStatus, 'STOPPED');
    versions.push(stopping.version);
    d = await describeTask(ecs, cluster, arn);
    assert.equal(d.lastStatus, 'STOPPING');
    assert.equal(d.desiredStatus, 'STOPPED');
    assert.equal(d.stopCode, 'EssentialContainerExited');
    assert.equal(d.stoppedReason, 'Essential container in task exited');
    assert.ok(d.stoppingAt instanceof Date);

    const stopped = await host.report(arn, { lastStatus: 'STOPPED' });
    assert.equal(stopped.lastStatus, 'STOPPED');
    versions.push(stopped.version);
    d = await describeTask(ecs, cluster, arn);
    assert.equal(d.lastStatus, 'STOPPED');
    assert.equal(d.stopCode, 'EssentialContainerExited');
    assert.ok(d.stoppedAt instanceof Date);
    assert.ok(d.executionStoppedAt instanceof Date);
    assert.equal(d.containers?.find((c) => c.name === 'app')?.exitCode, 2);
    assert.equal(d.containers?.find((c) => c.name === 'app')?.reason, 'exited');
    assert.deepEqual(d.containers?.map((c) => c.lastStatus), ['STOPPED', 'STOPPED']);
    assert.equal(d.attachments?.find((x) => x.type === 'ElasticNetworkInterface')?.status, 'DELETED');

    // Nothing moves a STOPPED task.
    const zombie = await host.report(arn, { lastStatus: 'RUNNING' });
    assert.equal(zombie.lastStatus, 'STOPPED');
    assert.equal(zombie.version, stopped.version);
    assert.ok(!(await host.tasks()).tasks.some((t) => t.taskArn === arn), 'STOPPED tasks leave the assignments');

    for (let i = 1; i < versions.length; i++) assert.equal(versions[i], versions[i - 1]! + 1, `version +1 per change: ${versions.join(',')}`);
    assert.equal(d.version, versions[versions.length - 1]);
  });

  test('a retried or late report carrying networkInterface changes nothing (version stays)', async () => {
    const task = await runOne(ecs, cluster, family);
    const arn = task.taskArn!;
    const eni = { privateIPv4Address: '10.0.1.99', macAddress: '0a:1b:2c:3d:4e:60', networkInterfaceId: 'eni-0fedcba9876543210' };
    try {
      const pending = await host.report(arn, { lastStatus: 'PENDING', networkInterface: eni });
      assert.equal(pending.version, 2);
      // Agents retry reports they got no answer for: the same report again must be a no-op.
      const retried = await host.report(arn, { lastStatus: 'PENDING', networkInterface: eni });
      assert.equal(retried.version, pending.version, 'a repeated identical report does not bump the version');
    } finally {
      await host.report(arn, { lastStatus: 'RUNNING' });
      await host.report(arn, { lastStatus: 'STOPPED' });
    }
    const stopped = await describeTask(ecs, cluster, arn);
    // A late PENDING report with the ENI, arriving after STOPPED, must not touch the task.
    const late = await host.report(arn, { lastStatus: 'PENDING', networkInterface: eni });
    assert.equal(late.lastStatus, 'STOPPED');
    assert.equal(late.version, stopped.version, 'a late report does not bump a STOPPED task\'s version');
    const after = await describeTask(ecs, cluster, arn);
    assert.equal(after.version, stopped.version);
    assert.deepEqual(after.attachments, stopped.attachments);
  });

  test('a task that never started stops with TaskFailedToStart, or the agent\'s own reason', async () => {
    const a = await runOne(ecs, cluster, family);
    await host.report(a.taskArn!, { lastStatus: 'PENDING' });
    await host.report(a.taskArn!, { lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: pull access denied for nginx' });
    const da = await describeTask(ecs, cluster, a.taskArn!);
    assert.equal(da.stopCode, 'TaskFailedToStart');
    assert.equal(da.stoppedReason, 'CannotPullContainerError: pull access denied for nginx');
    assert.equal(da.startedAt, undefined);

    const b = await runOne(ecs, cluster, family);
    await host.report(b.taskArn!, { lastStatus: 'STOPPED' });
    const db = await describeTask(ecs, cluster, b.taskArn!);
    assert.equal(db.stopCode, 'TaskFailedToStart');
    assert.equal(db.desiredStatus, 'STOPPED');
  });

  test('StopTask shows in the assignment; the first stop reason wins over the agent\'s', async () => {
    const task = await runOne(ecs, cluster, family);
    await host.runTask(task.taskArn!, ['app', 'sidecar']);
    const runningVersion = (await describeTask(ecs, cluster, task.taskArn!)).version!;
    const stop = await ecs.send(new StopTaskCommand({ cluster, task: task.taskArn!, reason: 'scale down' }));
    assert.equal(stop.task?.version, runningVersion + 1, 'StopTask is a state change: version +1');
    const again = await ecs.send(new StopTaskCommand({ cluster, task: task.taskArn!, reason: 'again' }));
    assert.equal(again.task?.version, runningVersion + 1, 'a second StopTask changes nothing');
    assert.equal(again.task?.stoppedReason, 'scale down');
    const a = (await host.tasks()).tasks.find((t) => t.taskArn === task.taskArn);
    assert.equal(a?.desiredStatus, 'STOPPED');
    assert.equal(a?.stopCode, 'UserInitiated');
    assert.equal(a?.stoppedReason, 'scale down');
    assert.equal(a?.version, stop.task?.version);
    await host.exitTask(task.taskArn!, { app: 143 }, { stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited' });
    const d = await describeTask(ecs, cluster, task.taskArn!);
    assert.equal(d.stopCode, 'UserInitiated');
    assert.equal(d.stoppedReason, 'scale down');
    assert.equal(d.containers?.find((c) => c.name === 'app')?.exitCode, 143);
  });

  test('GET tasks long-poll returns early (<2 s) when RunTask or StopTask affects the host', async () => {
    const { cursor } = await host.tasks();
    const idleCursor = (await idle.tasks()).cursor;
    const idlePoll = idle.tasks(idleCursor, 2);
    const started = Date.now();
    const poll = host.tasks(cursor, 5);
    await sleep(300);
    const task = await runOne(ecs, cluster, family);
    const woke = await poll;
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2000, `RunTask woke the poll after ${elapsed} ms`);
    assert.ok(elapsed >= 250, `the poll waited for the change (${elapsed} ms)`);
    assert.notEqual(woke.cursor, cursor);
    assert.ok(woke.tasks.some((t) => t.taskArn === task.taskArn && t.desiredStatus === 'RUNNING'));

    // The other host was not woken: it waits out its own timeout.
    const idleResult = await idlePoll;
    assert.ok(Date.now() - started >= 1800, 'a RunTask for another host does not wake this one');
    assert.equal(idleResult.cursor, idleCursor);

    const started2 = Date.now();
    const poll2 = host.tasks(woke.cursor, 5);
    await sleep(300);
    await ecs.send(new StopTaskCommand({ cluster, task: task.taskArn! }));
    const woke2 = await poll2;
    const elapsed2 = Date.now() - started2;
    assert.ok(elapsed2 < 2000, `StopTask woke the poll after ${elapsed2} ms`);
    assert.equal(woke2.tasks.find((t) => t.taskArn === task.taskArn)?.desiredStatus, 'STOPPED');
    assert.notEqual(woke2.cursor, woke.cursor);

    // A stale cursor answers at once; an unchanged one waits the full time.
    const stale = Date.now();
    const fresh = await host.tasks(cursor, 5);
    assert.ok(Date.now() - stale < 1000, 'a stale cursor returns immediately');
    assert.equal(fresh.cursor, woke2.cursor);
    const quiet = Date.now();
    const unchanged = await host.tasks(fresh.cursor, 1);
    assert.ok(Date.now() - quiet >= 900, 'nothing changed: waits waitSeconds');
    assert.equal(unchanged.cursor, fresh.cursor);
    await host.exitTask(task.taskArn!, { app: 143 });
  });

  test("a report for another host's task -> 404; bad report shapes -> 400", async () => {
    const task = await runOne(ecs, cluster, family);
    await expectAgentError(idle.report(task.taskArn!, { lastStatus: 'RUNNING' }), 404, 'TaskNotAssigned');
    const missing = task.taskArn!.replace(/[0-9a-f]{32}$/, 'f'.repeat(32));
    await expectAgentError(host.report(missing, { lastStatus: 'RUNNING' }), 404, 'TaskNotAssigned');
    assert.equal((await describeTask(ecs, cluster, task.taskArn!)).lastStatus, 'PROVISIONING', 'the rejected report changed nothing');

    // Malformed bodies need raw requests; TestHost keeps its host token in a (TypeScript-only) private field.
    const token = (host as unknown as { token: string }).token;
    const path = `/agent/v1/hosts/${host.hostId}/reports`;
    const bad: [string, unknown][] = [
      ['not JSON', '{"taskArn":'],
      ['no taskArn', { report: { lastStatus: 'RUNNING' } }],
      ['taskArn not a string', { taskArn: 7, report: { lastStatus: 'RUNNING' } }],
      ['taskArn not an ARN', { taskArn: 'not-an-arn', report: { lastStatus: 'RUNNING' } }],
      ['no report', { taskArn: task.taskArn }],
      ['report not an object', { taskArn: task.taskArn, report: 'RUNNING' }],
      ['no lastStatus', { taskArn: task.taskArn, report: {} }],
      ['unknown lastStatus', { taskArn: task.taskArn, report: { lastStatus: 'FLYING' } }],
      ['containers not a list', { taskArn: task.taskArn, report: { lastStatus: 'RUNNING', containers: { name: 'app' } } }],
      ['container without name', { taskArn: task.taskArn, report: { lastStatus: 'RUNNING', containers: [{ lastStatus: 'RUNNING' }] } }],
      ['container bad status', { taskArn: task.taskArn, report: { lastStatus: 'RUNNING', containers: [{ name: 'app', lastStatus: 'DANCING' }] } }],
      ['exitCode a string', { taskArn: task.taskArn, report: { lastStatus: 'RUNNING', containers: [{ name: 'app', lastStatus: 'STOPPED', exitCode: '1' }] } }],
      ['at a string', { taskArn: task.taskArn, report: { lastStatus: 'RUNNING', at: 'now' } }],
      ['unknown stopCode', { taskArn: task.taskArn, report: { lastStatus: 'STOPPED', stopCode: 'Boredom' } }],
      ['unknown healthStatus', { taskArn: task.taskArn, report: { lastStatus: 'RUNNING', healthStatus: 'GREAT' } }],
    ];
    for (const [what, body] of bad) {
      const res = await agentCall(pier.endpoint, 'POST', path, token, body);
      assert.equal(res.status, 400, `${what}: ${res.status} ${JSON.stringify(res.json)}`);
      assert.equal(typeof res.json?.message, 'string', what);
    }
    const d = await describeTask(ecs, cluster, task.taskArn!);
    assert.equal(d.lastStatus, 'PROVISIONING', 'no bad report changed the task');
    assert.equal(d.version, 1);
    await ecs.send(new StopTaskCommand({ cluster, task: task.taskArn! }));
    await host.exitTask(task.taskArn!, {});
  });
});

describe('lost hosts (--host-lost-after-seconds 2)', () => {
  let pier: PierProcess;
  let ecs: ECSClient;
  const timers: NodeJS.Timeout[] = [];
  const cluster = 'lost';
  const family = 'lost-fam';

  before(async () => {
    ({ pier, ecs } = await pierUp(['--host-lost-after-seconds', '2']));
    await setupEcs(ecs, cluster, family);
  });
  after(() => {
    for (const t of timers) clearInterval(t);
  });

  const keepAlive = (h: { heartbeat(): Promise<unknown> }): NodeJS.Timeout => {
    const t = setInterval(() => void h.heartbeat().catch(() => undefined), 400);
    timers.push(t);
    return t;
  };

  test('a host that stops heartbeating is LOST: tasks STOPPED, calls 409, re-registering brings it back', async () => {
    const doomed = await TestHost.register(pier.endpoint, pier.dataDir, { capacity: { cpu: 1024, memory: 2048, ephemeralStorageGiB: 100 } });
    const doomedBeat = keepAlive(doomed);
    const survivor = await TestHost.register(pier.endpoint, pier.dataDir, { capacity: { cpu: 0, memory: 0, ephemeralStorageGiB: 0 } });
    keepAlive(survivor);

    const reg = await agentCall(pier.endpoint, 'POST', '/agent/v1/hosts', joinTokenOf(pier), {
      availabilityZone: '', capacity: { cpu: 0, memory: 0, ephemeralStorageGiB: 0 },
    });
    assert.equal(reg.json.lostAfterSeconds, 2);
    assert.ok(reg.json.heartbeatIntervalSeconds <= 1, String(reg.json.heartbeatIntervalSeconds));

    const running = await runOne(ecs, cluster, family);
    const provisioning = await runOne(ecs, cluster, family);
    await doomed.runTask(running.taskArn!, ['app', 'sidecar']);
    const before = await describeTask(ecs, cluster, running.taskArn!);
    assert.equal(before.lastStatus, 'RUNNING');

    clearInterval(doomedBeat);
    const silentSince = Date.now();
    let tasks: Task[] = [];
    while (Date.now() - silentSince < 10_000) {
      const out = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [running.taskArn!, provisioning.taskArn!] }));
      tasks = out.tasks ?? [];
      if (tasks.every((t) => t.lastStatus === 'STOPPED')) break;
      await sleep(200);
    }
    const lostAfter = Date.now() - silentSince;
    assert.deepEqual(tasks.map((t) => t.lastStatus), ['STOPPED', 'STOPPED'], 'the lost host\'s tasks are STOPPED');
    assert.ok(lostAfter >= 1500, `not declared lost before the deadline (${lostAfter} ms)`);

    const r = tasks.find((t) => t.taskArn === running.taskArn)!;
    const p = tasks.find((t) => t.taskArn === provisioning.taskArn)!;
    for (const t of [r, p]) {
      assert.equal(t.desiredStatus, 'STOPPED');
      assert.ok(t.stoppedReason?.includes(doomed.hostId), `reason names the host: ${t.stoppedReason}`);
      assert.match(t.stoppedReason ?? '', /heartbeat/i);
      assert.ok(t.stoppedAt instanceof Date);
      assert.deepEqual(t.containers?.map((c) => c.lastStatus), ['STOPPED', 'STOPPED']);
    }
    assert.equal(r.stopCode, 'TerminationNotice');
    assert.equal(p.stopCode, 'TaskFailedToStart');
    assert.ok(r.version! > before.version!, 'version increased');

    // The lost host's calls get 409; the heartbeating one is fine.
    await expectAgentError(doomed.heartbeat(), 409, 'HostLost');
    await expectAgentError(doomed.tasks(), 409, 'HostLost');
    await expectAgentError(doomed.report(running.taskArn!, { lastStatus: 'RUNNING' }), 409, 'HostLost');
    await survivor.heartbeat();
    // Its capacity is gone: RunTask cannot place anything.
    const none = await runTask(ecs, cluster, family);
    assert.equal(none.failures?.[0]?.reason, 'RESOURCE:FARGATE');

    // Registering again with its hostId brings it back ACTIVE with a new token.
    const back = await agentCall(pier.endpoint, 'POST', '/agent/v1/hosts', joinTokenOf(pier), {
      hostId: doomed.hostId, availabilityZone: '', capacity: { cpu: 1024, memory: 2048, ephemeralStorageGiB: 100 },
    });
    assert.equal(back.status, 200, JSON.stringify(back.json));
    assert.equal(back.json.hostId, doomed.hostId);
    const token = back.json.hostToken as string;
    const beat = setInterval(() => void agentCall(pier.endpoint, 'POST', `/agent/v1/hosts/${doomed.hostId}/heartbeat`, token, {}), 400);
    timers.push(beat);
    assert.equal((await agentCall(pier.endpoint, 'POST', `/agent/v1/hosts/${doomed.hostId}/heartbeat`, token, {})).status, 200);
    await expectAgentError(doomed.heartbeat(), 401, 'Unauthorized');

    const again = await runOne(ecs, cluster, family);
    const assigned = await agentCall(pier.endpoint, 'GET', `/agent/v1/hosts/${doomed.hostId}/tasks`, token);
    assert.equal(assigned.status, 200);
    assert.deepEqual((assigned.json.tasks as { taskArn: string }[]).map((t) => t.taskArn), [again.taskArn], 'old STOPPED tasks are not reassigned');
    const rep = await agentCall(pier.endpoint, 'POST', `/agent/v1/hosts/${doomed.hostId}/reports`, token, { taskArn: again.taskArn, report: { lastStatus: 'RUNNING' } });
    assert.equal(rep.status, 200);
    assert.equal(rep.json.lastStatus, 'RUNNING');
    // Reports can't revive the tasks stopped while the host was lost.
    const revive = await agentCall(pier.endpoint, 'POST', `/agent/v1/hosts/${doomed.hostId}/reports`, token, { taskArn: running.taskArn, report: { lastStatus: 'RUNNING' } });
    assert.equal(revive.json?.lastStatus ?? 'STOPPED', 'STOPPED');
    assert.equal((await describeTask(ecs, cluster, running.taskArn!)).lastStatus, 'STOPPED');
  });
});
