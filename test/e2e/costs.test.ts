/**
 * Metering end to end: a real `pier up` (with an operator's price table that changes the Spot
 * rates) and a test host standing in for the agent, which reports tasks of known sizes pulling,
 * running and stopping at known times three hours ago. `pier costs` must show the hand-computed
 * figures: the one-minute minimum, the Spot rate, ephemeral storage above 20 GiB, a window that
 * cuts tasks in half, a running task charged up to now, a task that never pulled charged nothing,
 * and totals equal to the sums of the lines. Bad input on every surface is refused with a message
 * that says what to do.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateClusterCommand, CreateServiceCommand, ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand,
  type RegisterTaskDefinitionCommandInput, type RunTaskCommandInput,
} from '@aws-sdk/client-ecs';
import { adminCall } from '../../src/cli/admin-call.js';
import type { CostReport } from '../../src/metering/report.js';
import { PIER_MAIN, startPier, type PierProcess } from '../helpers/pier-process.js';
import { TestHost } from '../helpers/test-host.js';
import { Aws, debianCli, defaultNetwork, sleep, taskDefinitionJson } from './aws-cli-support.test.js';

const S = 1000;
const H = 3600 * S;
/** Three to four hours ago, on the hour, so windows and Cost Explorer's hours line up with the tasks. */
const T0 = Math.floor((Date.now() - 3 * H) / H) * H;
const iso = (ms: number): string => new Date(ms).toISOString();

/** Reports a task pulling at `pullAt`, running, and (when `stopAt` is given) stopped then, as an agent would. */
async function live(host: TestHost, taskArn: string, pullAt: number, stopAt?: number): Promise<void> {
  await host.report(taskArn, { lastStatus: 'PENDING', pullStartedAt: pullAt, pullStoppedAt: pullAt + S, at: pullAt + S });
  await host.report(taskArn, { lastStatus: 'RUNNING', at: pullAt + 2 * S, containers: [{ name: 'app', lastStatus: 'RUNNING', runtimeId: `${taskArn.slice(-8)}-0` }] });
  if (stopAt !== undefined) await host.report(taskArn, { lastStatus: 'STOPPED', at: stopAt, containers: [{ name: 'app', lastStatus: 'STOPPED', exitCode: 0 }] });
}

function pier(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [PIER_MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pier costs: metering tasks of known sizes and durations', () => {
  let p: PierProcess | undefined;
  let aws: Aws;
  const dir = mkdtempSync(join(tmpdir(), 'pier-costs-'));
  const arns: Record<string, string | undefined> = {};

  const costs = (args: string[]): CostReport => {
    const r = pier(['costs', '--data-dir', p!.dataDir, '--json', ...args]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as CostReport;
  };
  let network: { awsvpcConfiguration: { subnets: string[]; securityGroups: string[] } };
  let ecs: ECSClient;
  const register = (family: string, extra: Record<string, unknown> = {}) =>
    ecs.send(new RegisterTaskDefinitionCommand(JSON.parse(taskDefinitionJson(family, extra)) as RegisterTaskDefinitionCommandInput));
  const run = async (family: string, extra: Partial<RunTaskCommandInput> = {}): Promise<string> =>
    (await ecs.send(new RunTaskCommand({ cluster: 'costs', taskDefinition: family, networkConfiguration: network, ...extra }))).tasks![0]!.taskArn!;

  before(async () => {
    // The tasks stopped hours ago: kept a day, or housekeeping would purge them (and their costs) after an hour.
    // Spot at $0.01 per vCPU-hour and $0.001 per GB-hour; everything else keeps Fargate's defaults.
    writeFileSync(join(dir, 'prices.json'), JSON.stringify({ FARGATE_SPOT: { vcpuHour: 0.01, gbHour: 0.001 } }));
    p = await startPier({ args: ['--host-lost-after-seconds', '600', '--stopped-task-retention-seconds', '86400', '--price-table', join(dir, 'prices.json')], env: { PIER_SERVICE_TASK_SETTLE_SECONDS: '1' } });
    aws = new Aws(debianCli(), p);
    // The AWS CLI is what the Cost Explorer case checks; the SDK sets the scene faster.
    ecs = new ECSClient({ endpoint: p.endpoint, region: p.region, credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey }, maxAttempts: 1 });
    const net = defaultNetwork(aws);
    network = { awsvpcConfiguration: { subnets: net.subnets, securityGroups: [net.securityGroup] } };
    const host = await TestHost.register(p.endpoint, p.dataDir);
    await ecs.send(new CreateClusterCommand({ clusterName: 'costs', capacityProviders: ['FARGATE', 'FARGATE_SPOT'] }));
    await register('small');
    await register('big', { cpu: '1024', memory: '2048', ephemeralStorage: { sizeInGiB: 50 } });
    await register('spotty', { cpu: '1024', memory: '2048' });
    await register('web', { cpu: '1024', memory: '2048' });
    arns.small = await run('small', { launchType: 'FARGATE' });
    arns.big = await run('big');
    arns.spot = await run('spotty', { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] });
    arns.never = await run('small');
    await ecs.send(new CreateServiceCommand({ cluster: 'costs', serviceName: 'api', taskDefinition: 'web', desiredCount: 1, networkConfiguration: network }));
    for (const end = Date.now() + 20_000; !arns.service; await sleep(200)) {
      arns.service = (await ecs.send(new ListTasksCommand({ cluster: 'costs', serviceName: 'api' }))).taskArns?.[0];
      assert.ok(Date.now() < end, 'the service started no task in 20 s');
    }
    await live(host, arns.small!, T0, T0 + 30 * S);
    await live(host, arns.big!, T0, T0 + 3600 * S);
    await live(host, arns.spot!, T0, T0 + 3600 * S);
    await live(host, arns.service!, T0);
    await host.report(arns.never!, { lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: test', at: T0 + 60 * S });
  });
  after(async () => {
    ecs?.destroy();
    await p?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('per task: the minute minimum, storage above 20 GiB, the operator\'s Spot rate; no charge without a pull', () => {
    const r = costs(['--by', 'task', '--until', iso(T0 + 3600 * S)]);
    const line = (arn: string) => r.tasks.find((l) => l.taskArn === arn);
    // 0.25 vCPU, 0.5 GB for 30 s is charged 60 s: 60/3600 × (0.25 × $0.04048 + 0.5 × $0.004445) = $0.000205708…
    assert.deepEqual(pick(line(arns.small!)), { billedSeconds: 60, vcpuSeconds: 15, gbSeconds: 30, ephemeralStorageGbSeconds: 0, cost: '0.000206' });
    // 1 vCPU, 2 GB, 50 GiB for an hour: $0.04048 + 2 × $0.004445 + 30 × $0.000111
    assert.deepEqual(pick(line(arns.big!)), { billedSeconds: 3600, vcpuSeconds: 3600, gbSeconds: 7200, ephemeralStorageGbSeconds: 108_000, cost: '0.052700' });
    // Spot at the price table's $0.01 + 2 × $0.001
    assert.deepEqual(pick(line(arns.spot!)), { billedSeconds: 3600, vcpuSeconds: 3600, gbSeconds: 7200, ephemeralStorageGbSeconds: 0, cost: '0.012000' });
    assert.equal(line(arns.spot!)!.capacityProvider, 'FARGATE_SPOT');
    // The service's task is still running; the window ends an hour after its pull: $0.04048 + 2 × $0.004445
    assert.deepEqual(pick(line(arns.service!)), { billedSeconds: 3600, vcpuSeconds: 3600, gbSeconds: 7200, ephemeralStorageGbSeconds: 0, cost: '0.049370' });
    assert.equal(line(arns.never!), undefined);
    assert.equal(r.tasks.length, 4);
    assert.equal(r.total.cost, '0.114276');
    assert.equal(r.total.costMicroUsd, r.tasks.reduce((s, l) => s + l.costMicroUsd, 0));
  });

  test('grouped by service and by family over a window: totals add up to the lines', () => {
    const byService = costs(['--by', 'service', '--until', iso(T0 + 3600 * S)]);
    assert.deepEqual(byService.groups.map((g) => [g.key, g.tasks, g.cost]), [['(no service)', 3, '0.064906'], ['costs/api', 1, '0.049370']]);
    // The second half hour: the short task is outside it; Spot's half is $0.006, the others' halves round half up.
    const byFamily = costs(['--by', 'family', '--since', iso(T0 + 1800 * S), '--until', iso(T0 + 3600 * S)]);
    assert.deepEqual(byFamily.groups.map((g) => [g.key, g.tasks, g.billedSeconds, g.cost]), [
      ['big', 1, 1800, '0.026350'], ['spotty', 1, 1800, '0.006000'], ['web', 1, 1800, '0.024685'],
    ]);
    assert.equal(byFamily.total.cost, '0.057035');
    assert.equal(byFamily.total.costMicroUsd, byFamily.groups.reduce((s, g) => s + g.costMicroUsd, 0));
    const byCluster = costs(['--by', 'cluster', '--since', iso(T0 + 1800 * S), '--until', iso(T0 + 3600 * S)]);
    assert.deepEqual(byCluster.groups.map((g) => [g.key, g.cost]), [['costs', '0.057035']]);
  });

  test('a running task is charged up to now', () => {
    const before = Date.now();
    const r = costs(['--by', 'task']);
    const line = r.tasks.find((l) => l.taskArn === arns.service)!;
    assert.equal(line.stoppedAt, null);
    assert.ok(line.billedSeconds >= Math.ceil((before - T0) / S) && line.billedSeconds <= Math.ceil((Date.now() - T0) / S),
      `${line.billedSeconds} s is not the time since the pull started`);
  });

  test('on a terminal: aligned columns and a totals row', () => {
    const r = pier(['costs', '--data-dir', p!.dataDir, '--by', 'service', '--until', iso(T0 + 3600 * S)]);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trimEnd().split('\n').slice(2);
    assert.match(rows[0]!, /^SERVICE\s+TASKS\s+vCPU-SECONDS\s+GB-SECONDS\s+STORAGE GB-SECONDS\s+COST$/);
    assert.match(rows[1]!, /^\(no service\)\s+3\s+7,215\s+14,430\s+108,000\s+\$0\.064906$/);
    assert.match(rows[2]!, /^costs\/api\s+1\s+3,600\s+7,200\s+0\s+\$0\.049370$/);
    assert.match(rows[3]!, /^TOTAL\s+4\s+10,815\s+21,630\s+108,000\s+\$0\.114276$/);
    assert.equal(new Set(rows.map((l) => l.length)).size, 1, `columns are not aligned:\n${r.stdout}`);
  });

  test('aws ce get-cost-and-usage: hourly, grouped by the ECS service tag', () => {
    const r = aws.ok(['get-cost-and-usage', '--time-period', `Start=${iso(T0).slice(0, 19)}Z,End=${iso(T0 + 2 * H).slice(0, 19)}Z`,
      '--granularity', 'HOURLY', '--metrics', 'UnblendedCost', 'UsageQuantity', '--group-by', 'Type=TAG,Key=aws:ecs:serviceName'], 'ce');
    assert.deepEqual(r.GroupDefinitions, [{ Type: 'TAG', Key: 'aws:ecs:serviceName' }]);
    const hours = r.ResultsByTime.map((b: any) => [b.TimePeriod.Start, b.Groups.map((g: any) => [g.Keys[0], g.Metrics.UnblendedCost.Amount, g.Metrics.UsageQuantity.Amount])]);
    assert.deepEqual(hours, [
      // The first hour: the three standalone tasks whole ($0.000206 + $0.052700 + $0.012000; 0.0125 + 33 + 3 hours of mixed units) and an hour of the service's.
      [`${iso(T0).slice(0, 19)}Z`, [['aws:ecs:serviceName$', '0.064906', '36.0125'], ['aws:ecs:serviceName$api', '0.049370', '3']]],
      [`${iso(T0 + H).slice(0, 19)}Z`, [['aws:ecs:serviceName$api', '0.049370', '3']]],
    ]);
    assert.equal(r.ResultsByTime[0].Estimated, false);
  });

  test('bad input: the CLI, the admin route, Cost Explorer and pier up say what to do', async () => {
    const by = pier(['costs', '--data-dir', p!.dataDir, '--by', 'region']);
    assert.equal(by.status, 2);
    assert.match(by.stderr, /--by must be one of service, family, cluster, task; got 'region'/);
    const since = pier(['costs', '--data-dir', p!.dataDir, '--since', 'yesterday']);
    assert.equal(since.status, 2);
    assert.match(since.stderr, /--since must be a duration before now \(90s, 30m, 12h, 7d, 2w\) or an ISO 8601 time/);
    const order = pier(['costs', '--data-dir', p!.dataDir, '--since', '1h', '--until', '2h']);
    assert.equal(order.status, 2);
    assert.match(order.stderr, /--until .* must be later than --since/);

    const nowhere = pier(['costs', '--data-dir', join(dir, 'empty')]);
    assert.equal(nowhere.status, 1);
    assert.match(nowhere.stderr, /^pier: no Pier server has run with data dir \S+empty: start one with 'pier up --data-dir \S+empty'/);

    const route = await adminCall(p!.dataDir, '/_pier/costs', { by: 'task', since: 'last week' });
    assert.equal(route.status, 400);
    assert.deepEqual(JSON.parse(route.text), {
      __type: 'InvalidParameterException', message: 'since must be an ISO 8601 time such as 2026-12-01T00:00:00Z; got "last week".',
    });
    const unknown = await adminCall(p!.dataDir, '/_pier/costs', { groupBy: 'task' });
    assert.equal(unknown.status, 400);
    assert.match(JSON.parse(unknown.text).message, /^Unknown field 'groupBy'/);

    aws.fail(['get-cost-and-usage', '--time-period', 'Start=2026-12-03,End=2026-12-01', '--granularity', 'DAILY', '--metrics', 'UnblendedCost'],
      'ValidationException', 'GetCostAndUsage', 'Start date (and hour) should be before end date (and hour)', 'ce');
    aws.fail(['get-cost-and-usage', '--time-period', 'Start=2026-12-01,End=2026-12-03', '--granularity', 'DAILY', '--metrics', 'UnblendedCost',
      '--group-by', 'Type=DIMENSION,Key=AZ'], 'ValidationException', 'GetCostAndUsage', /^Dimension AZ is not supported by Pier for GroupBy/, 'ce');
    aws.fail(['get-cost-and-usage', '--time-period', 'Start=2026-12-01,End=2026-12-03', '--granularity', 'WEEKLY', '--metrics', 'UnblendedCost'],
      'ValidationException', 'GetCostAndUsage', /WEEKLY/, 'ce');

    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ FARGATE: { cpuHour: 0.04 } }));
    const bad = pier(['up', '--data-dir', join(dir, 'unused'), '--port', '0', '--no-agent', '--price-table', join(dir, 'bad.json')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^pier: --price-table: \S+bad\.json: unknown field 'FARGATE\.cpuHour' \(fields: vcpuHour, gbHour, ephemeralStorageGbHour\)/);
    const missing = pier(['up', '--data-dir', join(dir, 'unused'), '--port', '0', '--no-agent', '--price-table', join(dir, 'nope.json')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--price-table: cannot read \S+nope\.json: ENOENT/);
  });
});

function pick(l: { billedSeconds: number; vcpuSeconds: number; gbSeconds: number; ephemeralStorageGbSeconds: number; cost: string } | undefined) {
  assert.ok(l, 'the task has a cost line');
  return { billedSeconds: l.billedSeconds, vcpuSeconds: l.vcpuSeconds, gbSeconds: l.gbSeconds, ephemeralStorageGbSeconds: l.ephemeralStorageGbSeconds, cost: l.cost };
}
