/**
 * Services benchmark: how fast a service heals and rolls, on real sandboxes (`pier up` with its
 * agent, as root, a busybox image from a local registry).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/services.js [--runtime runsc|runc] [--deaths 5] [--tasks 10]
 *
 * 1. Replacement: a service of 3 tasks whose container has an ECS health check (`true` every 5 s).
 *    A task dies (every process in its cgroup gets SIGKILL, as a crash would) and the clock runs
 *    until its replacement is RUNNING and until it is HEALTHY. Repeated --deaths times.
 * 2. Rolling deploy: a service of --tasks tasks (minimumHealthyPercent 100, maximumPercent 200)
 *    is updated to a new revision; the clock runs from UpdateService until the new deployment is
 *    COMPLETED (every old task stopped, every new one healthy), with the time the last new task
 *    became HEALTHY alongside.
 *
 * There is no baseline to run side by side on this machine (ECS itself is not reachable); the
 * figures to compare with are Fargate's own: its scheduler's reaction and a sandbox's start.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand,
  RegisterTaskDefinitionCommand, UpdateServiceCommand, type Task,
} from '@aws-sdk/client-ecs';
import { buildBusyboxImage, pushImage } from '../test/helpers/oci-images.js';
import { startRegistry } from '../test/helpers/registry.js';
import { defaultNetwork } from '../test/helpers/ec2-query.js';
import { agentInstance, removeDataDir, removeLeftovers, snapshotHost } from '../test/helpers/host-leftovers.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { startPierServer, type PierServer } from './lib/pier.js';
import { fmtMs, markdownTable, percentile } from './lib/stats.js';

const { values: args } = parseArgs({
  options: { runtime: { type: 'string', default: 'runsc' }, deaths: { type: 'string', default: '5' }, tasks: { type: 'string', default: '10' } },
});
const RUNTIME = args.runtime!;
const DEATHS = Number(args.deaths);
const DEPLOY_TASKS = Number(args.tasks);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (m: string): void => void process.stderr.write(`[bench services] ${m}\n`);

const HOLD = 'trap "exit 0" TERM; while :; do sleep 1 & wait $!; done';

async function main(): Promise<void> {
  const machine = machineInfo();
  const reg = await startRegistry();
  const dataDir = mkdtempSync(join(tmpdir(), 'pier-bench-services-'));
  const before = snapshotHost({ dataDirs: [dataDir] });
  let pier: PierServer | undefined;
  let ecs: ECSClient | undefined;
  try {
    const img = await buildBusyboxImage();
    const { reference: image } = await pushImage(img, reg, 'bench-busybox:1');
    img.remove();
    pier = await startPierServer({ dataDir, pierArgs: ['--runtime', RUNTIME, '--cpu', '32768', '--memory', '65536', '--disk', '100000'] });
    const creds = { accessKeyId: pier.accessKeyId, secretAccessKey: pier.secretAccessKey };
    ecs = new ECSClient({ endpoint: pier.endpoint, region: pier.region, credentials: creds });
    const net = await defaultNetwork({ endpoint: pier.endpoint, region: pier.region, credentials: creds });
    const subnets = [...net.subnetByZone.values()];
    const register = async (tag: string): Promise<string> => (await ecs!.send(new RegisterTaskDefinitionCommand({
      family: 'bench-svc', requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512',
      containerDefinitions: [{
        name: 'app', image, command: ['sh', '-c', HOLD], stopTimeout: 5, environment: [{ name: 'REVISION', value: tag }],
        healthCheck: { command: ['CMD-SHELL', 'true'], interval: 5, timeout: 2, retries: 3, startPeriod: 0 },
      }],
    }))).taskDefinition!.taskDefinitionArn!;
    const first = await register('a');
    const tasksOf = async (service: string): Promise<Task[]> => {
      const arns = (await ecs!.send(new ListTasksCommand({ serviceName: service }))).taskArns ?? [];
      return arns.length ? (await ecs!.send(new DescribeTasksCommand({ tasks: arns }))).tasks ?? [] : [];
    };
    const create = async (service: string, count: number): Promise<void> => {
      await ecs!.send(new CreateServiceCommand({
        serviceName: service, taskDefinition: first, desiredCount: count, launchType: 'FARGATE',
        deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 },
        networkConfiguration: { awsvpcConfiguration: { subnets } },
      }));
    };
    const steady = async (service: string, count: number, timeoutMs = 300_000): Promise<Task[]> => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const live = (await tasksOf(service)).filter((t) => t.desiredStatus === 'RUNNING');
        if (live.length === count && live.every((t) => t.healthStatus === 'HEALTHY')) return live;
        if (Date.now() > end) throw new Error(`${service}: not ${count} healthy tasks after ${timeoutMs} ms`);
        await sleep(100);
      }
    };

    // 1. Replacement after a task's death.
    await create('heal', 3);
    const running: number[] = [];
    const healthy: number[] = [];
    for (let i = 0; i < DEATHS; i++) {
      const before = await steady('heal', 3);
      const victim = before[i % before.length]!;
      const t0 = Date.now();
      killTask(pier, victim.taskArn!.split('/').pop()!);
      let seenRunning = 0;
      for (;;) {
        const now = (await tasksOf('heal')).filter((t) => t.desiredStatus === 'RUNNING' && !before.some((b) => b.taskArn === t.taskArn));
        const fresh = now[0];
        if (fresh?.lastStatus === 'RUNNING' && !seenRunning) seenRunning = Date.now() - t0;
        if (fresh?.healthStatus === 'HEALTHY') {
          running.push(seenRunning || Date.now() - t0);
          healthy.push(Date.now() - t0);
          break;
        }
        if (Date.now() - t0 > 300_000) throw new Error('no replacement within 5 minutes');
        await sleep(50);
      }
      log(`death ${i + 1}: replacement RUNNING after ${running.at(-1)} ms, HEALTHY after ${healthy.at(-1)} ms`);
    }
    await ecs.send(new DeleteServiceCommand({ service: 'heal', force: true }));

    // 2. A rolling deploy of DEPLOY_TASKS tasks.
    await create('roll', DEPLOY_TASKS);
    await steady('roll', DEPLOY_TASKS, 600_000);
    const second = await register('b');
    const t0 = Date.now();
    await ecs.send(new UpdateServiceCommand({ service: 'roll', taskDefinition: second }));
    let lastHealthy = 0;
    for (;;) {
      const svc = (await ecs.send(new DescribeServicesCommand({ services: ['roll'] }))).services![0]!;
      const primary = svc.deployments!.find((d) => d.status === 'PRIMARY')!;
      const fresh = (await tasksOf('roll')).filter((t) => t.taskDefinitionArn === second && t.desiredStatus === 'RUNNING');
      if (!lastHealthy && fresh.length === DEPLOY_TASKS && fresh.every((t) => t.healthStatus === 'HEALTHY')) lastHealthy = Date.now() - t0;
      if (primary.rolloutState === 'COMPLETED') break;
      if (primary.rolloutState === 'FAILED') throw new Error(`the deployment failed: ${primary.rolloutStateReason}`);
      if (Date.now() - t0 > 900_000) throw new Error('the deployment did not complete in 15 minutes');
      await sleep(100);
    }
    const deployMs = Date.now() - t0;
    await ecs.send(new DeleteServiceCommand({ service: 'roll', force: true }));

    const sorted = (xs: number[]): Float64Array => Float64Array.from(xs).sort();
    const row = (label: string, xs: number[]): string[] => [label, String(xs.length), fmtMs(percentile(sorted(xs), 50)), fmtMs(Math.max(...xs))];
    process.stdout.write(`\n${describeMachine(machine)}; runtime ${RUNTIME}\n\n`);
    process.stdout.write(`${markdownTable(['task death → replacement', 'n', 'p50', 'max'], [row('RUNNING', running), row('HEALTHY (health check every 5 s)', healthy)], new Set([1, 2, 3]))}\n\n`);
    process.stdout.write(`${markdownTable(['rolling deploy', 'tasks', 'duration'], [
      ['UpdateService → last new task HEALTHY', String(DEPLOY_TASKS), fmtMs(lastHealthy)],
      ['UpdateService → deployment COMPLETED (old tasks stopped)', String(DEPLOY_TASKS), fmtMs(deployMs)],
    ], new Set([1, 2]))}\n`);
  } catch (err) {
    log(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exitCode = 1;
  } finally {
    if (ecs) {
      for (const s of ['heal', 'roll']) await ecs.send(new DeleteServiceCommand({ service: s, force: true })).catch(() => undefined);
      for (let i = 0; i < 600; i++) {
        const arns = (await ecs.send(new ListTasksCommand({ desiredStatus: 'STOPPED' })).catch(() => ({ taskArns: [] }))).taskArns ?? [];
        const tasks = arns.length ? (await ecs.send(new DescribeTasksCommand({ tasks: arns.slice(0, 100) }))).tasks ?? [] : [];
        const live = (await ecs.send(new ListTasksCommand({})).catch(() => ({ taskArns: [] }))).taskArns ?? [];
        if (live.length === 0 && tasks.every((t) => t.lastStatus === 'STOPPED')) break;
        await sleep(500);
      }
      ecs.destroy();
    }
    await pier?.stop();
    await reg.stop();
    // Tasks outlive `pier up` by design: whatever a failed run left is removed here, and said.
    for (const line of await removeLeftovers(before, { dataDirs: [dataDir], taskIds: [] })) log(`left behind, removed: ${line}`);
    if (!removeDataDir(dataDir)) log(`not removing ${dataDir}: something is still mounted under it`);
  }
}

/** SIGKILL to every process of the task (its cgroup and the containers' below it), as a crash or the OOM killer would. */
function killTask(pier: PierServer, taskId: string): void {
  const procs: number[] = [];
  const walk = (dir: string): void => {
    procs.push(...readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
  };
  walk(`/sys/fs/cgroup/pids/pier/${agentInstance(pier.dataDir)}/${taskId}`);
  if (procs.length === 0) throw new Error(`task ${taskId} has no processes to kill`);
  for (const pid of procs) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
