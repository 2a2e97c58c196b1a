/**
 * End-to-end log throughput (issue 5): C containers (one task each, runsc) print numbered lines as
 * fast as they can for D seconds, side by side with the same containers writing the same lines to
 * a plain file in the task with nothing shipped.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/log-throughput.js [--containers 10] [--seconds 60] [--cpu-prof-dir DIR]
 *
 * - plain file: `timeout D seq 1 ∞ > /tmp/out` in each container; its rate is the last whole
 *   number written / D (the one line it then prints, that number, is shipped with awslogs).
 * - awslogs: `timeout D seq 1 ∞` to stdout with the awslogs driver. A task is STOPPED only once the
 *   agent has shipped everything its containers wrote, so "queryable" is STOPPED; the queryable
 *   rate is lines / (STOPPED − startedAt). Zero loss, none twice: the stream's last whole event is
 *   the last whole number N printed and its storedBytes is exactly the digits of 1..N plus the cut
 *   last line seq was stopped in (a lost or doubled line would change it).
 * Goal: awslogs' queryable lines/s ≥ 0.5 × the plain file's lines/s, with zero loss.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogStreamsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTasksCommand, ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { AttachRolePolicyCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { removeDataDir } from '../test/helpers/host-leftovers.js';
import { buildBusyboxImage, pushImage } from '../test/helpers/oci-images.js';
import { startRegistry } from '../test/helpers/registry.js';
import { defaultNetwork } from '../test/helpers/ec2-query.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { startPierServer } from './lib/pier.js';
import { markdownTable } from './lib/stats.js';

const { values: args } = parseArgs({ options: {
  containers: { type: 'string', default: '10' }, seconds: { type: 'string', default: '60' }, 'cpu-prof-dir': { type: 'string' },
} });
const C = Number(args.containers);
const D = Number(args.seconds);
const GROUP = '/bench/logs';

/** Bytes of the messages "1" … "n" (no newlines): what storedBytes must be. */
function digitsUpTo(n: number): number {
  let total = 0;
  for (let d = 1, lo = 1; lo <= n; d++, lo *= 10) total += d * (Math.min(n, lo * 10 - 1) - lo + 1);
  return total;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** CPU seconds a process has used (user + system, all its threads), from /proc: per-line cost that the machine's other load does not skew. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

async function main(): Promise<void> {
  console.log(`log throughput: ${C} containers × ${D} s; ${describeMachine(machineInfo())}; ${new Date().toISOString()}`);
  const reg = await startRegistry({ auth: 'none' });
  const dataDir = mkdtempSync(join(tmpdir(), 'pier-bench-logs-'));
  // Ten 0.25-vCPU tasks are more than two cores offer: let the host take them (they compete for CPU, as measured).
  const pier = await startPierServer({
    dataDir, pierArgs: ['--cpu', String(Math.max(2048, C * 256 + 1024))],
    ...(args['cpu-prof-dir'] ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof-dir']}`] } : {}),
  });
  try {
    const img = await buildBusyboxImage();
    const image = (await pushImage(img, reg, 'busybox:1')).reference;
    img.remove();
    const client = { endpoint: pier.endpoint, region: pier.region, credentials: { accessKeyId: pier.accessKeyId, secretAccessKey: pier.secretAccessKey } };
    const ecs = new ECSClient(client);
    const logs = new CloudWatchLogsClient(client);
    const iam = new IAMClient(client);
    const role = await iam.send(new CreateRoleCommand({
      RoleName: 'bench-exec',
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
    }));
    // The execution role must be allowed to write the task's log stream, as on ECS.
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'bench-exec', PolicyArn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy' }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    const subnet = (await defaultNetwork({ endpoint: pier.endpoint, region: pier.region, credentials: pier })).subnetByZone.get(`${pier.region}a`)!;
    const logConfiguration = { logDriver: 'awslogs' as const, options: { 'awslogs-group': GROUP, 'awslogs-region': pier.region, 'awslogs-stream-prefix': 'b' } };
    const register = (family: string, command: string): Promise<unknown> => ecs.send(new RegisterTaskDefinitionCommand({
      family, requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512', executionRoleArn: role.Role!.Arn!,
      containerDefinitions: [{ name: 'app', image, command: ['sh', '-c', command], logConfiguration }],
    }));
    // seq is stopped mid-write, so its last line may be cut: the second-to-last is the last whole one.
    await register('plain', `exec 2>/dev/null; timeout ${D} seq 1 2000000000 > /tmp/out; tail -n 2 /tmp/out | head -n 1`);
    await register('shipped', `exec 2>/dev/null; timeout ${D} seq 1 2000000000`);

    const run = async (family: string): Promise<Task[]> => {
      const arns: string[] = [];
      for (let i = 0; i < C; i += 10) {
        const out = await ecs.send(new RunTaskCommand({
          taskDefinition: family, launchType: 'FARGATE', count: Math.min(10, C - i),
          networkConfiguration: { awsvpcConfiguration: { subnets: [subnet] } },
        }));
        if (out.failures?.length) throw new Error(`run-task ${family}: ${JSON.stringify(out.failures)}`);
        arns.push(...out.tasks!.map((t) => t.taskArn!));
      }
      for (;;) {
        const tasks = (await ecs.send(new DescribeTasksCommand({ tasks: arns }))).tasks!;
        if (tasks.every((t) => t.lastStatus === 'STOPPED')) return tasks;
        await sleep(500);
      }
    };
    const lastEvents = async (stream: string, n: number): Promise<string[]> =>
      ((await logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: false, limit: n }))).events ?? []).map((e) => e.message ?? '');
    const streamOf = (t: Task): string => `b/app/${t.taskArn!.slice(t.taskArn!.lastIndexOf('/') + 1)}`;

    const plain = await run('plain');
    let plainLines = 0;
    for (const t of plain) {
      if (t.containers?.[0]?.exitCode !== 0) throw new Error(`plain task: ${t.stoppedReason} exit ${t.containers?.[0]?.exitCode}`);
      const [last] = await lastEvents(streamOf(t), 1);
      if (!/^\d+$/.test(last ?? '')) throw new Error(`plain task ${streamOf(t)}: last event '${last}'`);
      plainLines += Number(last);
    }

    const cpuBefore = cpuSeconds(pier.pid);
    const shipped = await run('shipped');
    const pierCpu = cpuSeconds(pier.pid) - cpuBefore;
    let shippedLines = 0;
    let intact = 0;
    let spanMs = 0;
    for (const t of shipped) {
      // The last event may be a cut line; the one before it is whole.
      const [whole, cut] = await lastEvents(streamOf(t), 2);
      const n = Number(whole);
      const stream = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, logStreamNamePrefix: streamOf(t) }))).logStreams![0]!;
      if (stream.storedBytes === digitsUpTo(n) + (cut ?? '').length) intact++;
      shippedLines += n;
      spanMs = Math.max(spanMs, t.stoppedAt!.getTime() - t.startedAt!.getTime());
    }
    const startSpread = Math.max(...shipped.map((t) => t.startedAt!.getTime())) - Math.min(...shipped.map((t) => t.startedAt!.getTime()));
    const plainRate = plainLines / D;
    const printRate = shippedLines / D;
    const queryableRate = shippedLines / ((spanMs + startSpread) / 1000);
    console.log(markdownTable(
      ['', 'lines', 'lines/s', 'vs plain file'],
      [
        ['plain file in the task (no shipping)', String(plainLines), plainRate.toFixed(0), '1.00×'],
        ['awslogs: printed', String(shippedLines), printRate.toFixed(0), `${(printRate / plainRate).toFixed(2)}×`],
        [`awslogs: queryable (all ${C} streams, ${(spanMs / 1000).toFixed(1)} s from start to STOPPED)`, String(shippedLines), queryableRate.toFixed(0), `${(queryableRate / plainRate).toFixed(2)}×`],
      ],
      new Set([1, 2, 3]),
    ));
    console.log(`streams intact (last event = lines printed, storedBytes = digits of 1..N): ${intact}/${C}`);
    console.log(`pier process CPU while the awslogs tasks ran: ${pierCpu.toFixed(1)} s (${((pierCpu * 1e6) / shippedLines).toFixed(2)} µs per line, agent + server + indexer; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  } finally {
    await pier.stop();
    await reg.stop();
    removeDataDir(dataDir);
  }
}

await main();
