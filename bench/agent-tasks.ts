/**
 * Host-agent benchmark: real tasks through `pier up` (control plane + host agent, as root) side by
 * side with the raw runtimes, on one machine. Needs root, runsc, runc, busybox-static, skopeo and
 * Debian's docker-registry.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/agent-tasks.js [--quick] [--launches 50]
 *        [--density-tasks 100] [--batches 5] [--runtimes runsc,runc] [--only latency,density,throughput]
 *        [--cpu-prof] [--json out.json]
 *
 * 1. latency: RunTask → RUNNING of one task at a time (image cached, one warm-up first), Pier vs
 *    the raw runtime, interleaved launch by launch (raw, pier, raw, pier, …) so that other work on
 *    the machine hits both sides alike. Launched tasks/containers stay up until the end of the
 *    phase, on both sides.
 *    - pier server: `startedAt - createdAt` from DescribeTasks (both stamped from the server's /
 *      agent's clock on this host: createdAt when RunTask stored the task, startedAt = the `at` of
 *      the agent's RUNNING report).
 *    - pier wall: from calling RunTask to a DescribeTasks poll (every 20 ms) that sees RUNNING.
 *    - raw: a ready bundle of the same busybox rootfs and the same limits, in a fresh netns made
 *      before the clock starts; `runsc --platform=ptrace --network=sandbox run` inside a private
 *      mount namespace whose /proc/sys/net is an empty tmpfs (what Pier does), or `runc run`.
 *      "running" = the runtime's state says running (what Pier's RUNNING means), polled every
 *      1 ms; "ready" = the container's process wrote a file on a bind mount.
 *    - raw runsc, CPU quota once running: the same, but the task's CPU quota is written to the
 *      sandbox's cgroup once it runs instead of being in the bundle (as Pier does: under a quarter
 *      of a core the boot itself is throttled); the equivalent baseline for runsc.
 *    - Pier's runtime layer alone (RunscRuntime / RuncRuntime createSandbox + startContainer, no
 *      agent, netns made before the clock): splits Pier's overhead into what the sandbox layout
 *      costs (runsc, one container: the container is the sandbox's root) and what the agent and
 *      the control plane add.
 *    - where Pier's time goes: per launch, the agent's own trace (launch-trace.json: each step's
 *      marks, and every host command with when it was asked for, how long it ran and how long it
 *      was waited for) relative to createdAt, and the mtimes of the files the runtime writes
 *      (shim.pid, its state); with --cpu-prof, the pier process's hottest functions during the
 *      launches (and, in the density phase, while the tasks idle).
 *    - Pier CPU per launch from /proc/<pid>/stat, also net of the DescribeTasks polls (their cost
 *      is measured separately: 100 polls with the same tasks running).
 * 2. density (runsc): N idle 256-CPU / 512-MiB tasks (pier runs with --cpu 32768 --memory 65536
 *    --disk 100000 so they fit): RunTask count=10 × N/10 back to back, time until all RUNNING, then
 *    PSS (/proc/<pid>/smaps_rollup) of the pier process (before vs after), of the per-container
 *    shims and the `runsc run` processes under them, and of the sandboxes (everything in the task
 *    cgroups). Pier's overhead per task = (pier delta + shims + waiters) / N; goal ≤ 5 MiB. Also
 *    the idle CPU of pier and of all sandboxes over 5 s.
 * 3. throughput: B batches of RunTask count=10 sent back to back; tasks/s until all RUNNING.
 *
 * --quick: 10 launches, 20 density tasks, 2 batches (about 2 minutes instead of about 6-7).
 *
 * At the end of each phase every task is stopped and awaited (STOPPED), pier is stopped and the
 * host is checked for anything this run left (test/helpers/host-leftovers.ts, scoped to this run's
 * data dirs, plus every process mentioning this run's raw work dir).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCommand } from '../src/agent/host/exec.js';
import { createNetns, deleteNetns } from '../src/agent/host/netns.js';
import { ensureCgroup, pidsIn, removeCgroupTree } from '../src/agent/runtime/cgroup.js';
import { RuncRuntime } from '../src/agent/runtime/runc.js';
import { RunscRuntime } from '../src/agent/runtime/runsc.js';
import { buildOciSpec, taskResources, withoutCpuQuota } from '../src/agent/runtime/spec.js';
import { LAUNCH_TRACE_FILE, type LaunchTraceJson } from '../src/agent/task/launch-trace.js';
import { agentInstance, formatLeftovers, leftovers, removeDataDir, type Leftovers, removeLeftovers, snapshotHost, waitForNoLeftovers, type HostSnapshot } from '../test/helpers/host-leftovers.js';
import { buildBusyboxImage, pushImage } from '../test/helpers/oci-images.js';
import { startRegistry, type TestRegistry } from '../test/helpers/registry.js';
import { summarise } from './lib/cpuprofile-top.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { defaultNetwork } from '../test/helpers/ec2-query.js';
import { startPierServer, type PierServer } from './lib/pier.js';
import { machineBusySeconds, processCpuSeconds, waitForQuiet } from './lib/proc-cpu.js';
import { SignedClient, targetFromEndpoint } from './lib/signed-client.js';
import { fmtMs, markdownTable, percentile } from './lib/stats.js';
import { pss, tree } from './lib/procs.js';

type Runtime = 'runsc' | 'runc';
type Phase = 'latency' | 'density' | 'throughput';

interface Options {
  launches: number;
  densityTasks: number;
  batches: number;
  runtimes: Runtime[];
  only: Phase[];
  cpuProf: boolean;
  json?: string;
}

const BUSYBOX = '/usr/bin/busybox';
const CG = `/pier-bench-agent-${process.pid}`;
const POLL_MS = 20;
const CAPACITY = ['--cpu', '32768', '--memory', '65536', '--disk', '100000'];

const FAMILY = 'bench-agent';
/** The app container: idle, and ends on SIGTERM at once (a handler-less PID 1 would ignore it). */
const APP_COMMAND = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 3600 & wait; done'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (msg: string): void => {
  process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${msg}\n`);
};

// ---------------------------------------------------------------------------------------------
// statistics

interface Summary { n: number; p50: number; p90: number; p99: number; min: number; max: number; mean: number }

function summary(xs: readonly number[]): Summary {
  const s = Float64Array.from(xs.filter((x) => Number.isFinite(x))).sort();
  const n = s.length;
  return {
    n, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99),
    min: n ? s[0]! : NaN, max: n ? s[n - 1]! : NaN, mean: n ? s.reduce((a, b) => a + b, 0) / n : NaN,
  };
}

const sumRow = (label: string, s: Summary): string[] => [label, String(s.n), fmtMs(s.p50), fmtMs(s.p90), fmtMs(s.p99), fmtMs(s.min), fmtMs(s.max), fmtMs(s.mean)];
const SUM_HEADER = ['', 'n', 'p50', 'p90', 'p99', 'min', 'max', 'mean'];
const SUM_RIGHT = new Set([1, 2, 3, 4, 5, 6, 7]);

// ---------------------------------------------------------------------------------------------
// processes and memory


function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

function allPids(): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
}

/** Processes (pid: cmdline) whose command line contains any of the needles. */
function processesMentioning(needles: readonly string[]): string[] {
  return allPids().filter((p) => p !== process.pid).map((p) => ({ p, c: cmdline(p) }))
    .filter(({ c }) => c && needles.some((n) => c.includes(n))).map(({ p, c }) => `${p}: ${c.slice(0, 200)}`);
}

interface MemGroup { label: string; pids: number[]; pssKiB: number; anonKiB: number; comms: string }

function memGroup(label: string, pids: readonly number[]): MemGroup {
  const unique = [...new Set(pids)];
  const m = unique.map(pss);
  const counts = new Map<string, number>();
  for (const p of unique) counts.set(comm(p), (counts.get(comm(p)) ?? 0) + 1);
  return {
    label, pids: unique, pssKiB: m.reduce((s, x) => s + x.pss, 0), anonKiB: m.reduce((s, x) => s + x.anon, 0),
    comms: [...counts].map(([c, n]) => `${n}× ${c}`).join(', '),
  };
}

/** Median of three PSS samples of the pier process (its heap moves with GC). */
async function pierPss(pid: number): Promise<{ pss: number; anon: number }> {
  const samples: { pss: number; anon: number }[] = [];
  for (let i = 0; i < 3; i++) {
    if (i) await sleep(1000);
    samples.push(pss(pid));
  }
  samples.sort((a, b) => a.pss - b.pss);
  return samples[1]!;
}

// ---------------------------------------------------------------------------------------------
// the ECS API of a pier process

interface EcsTask {
  taskArn: string;
  lastStatus: string;
  desiredStatus: string;
  createdAt: number;
  startedAt?: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  stoppedAt?: number;
  stopCode?: string;
  stoppedReason?: string;
  containers?: { name?: string; lastStatus?: string; reason?: string; exitCode?: number }[];
}

class Ecs {
  readonly client: SignedClient;
  constructor(readonly pier: PierServer) {
    this.client = new SignedClient(targetFromEndpoint(pier.endpoint, pier.region, pier), 16);
  }

  private defaultSubnet: string | undefined;

  /** The default subnet of the agent's zone (zone a). */
  async subnet(): Promise<string> {
    this.defaultSubnet ??= (await defaultNetwork({ endpoint: this.pier.endpoint, region: this.pier.region, credentials: this.pier }))
      .subnetByZone.get(`${this.pier.region}a`)!;
    return this.defaultSubnet;
  }

  async register(image: string): Promise<void> {
    await this.client.call('RegisterTaskDefinition', {
      family: FAMILY, requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512',
      containerDefinitions: [{ name: 'app', image, command: APP_COMMAND, stopTimeout: 5 }],
    });
  }

  async runTask(count: number): Promise<string[]> {
    const r = await this.client.call<{ tasks?: EcsTask[]; failures?: unknown[] }>('RunTask', {
      taskDefinition: FAMILY, count, networkConfiguration: { awsvpcConfiguration: { subnets: [await this.subnet()] } },
    });
    if (r.failures?.length) throw new Error(`RunTask failures: ${JSON.stringify(r.failures)}`);
    return (r.tasks ?? []).map((t) => t.taskArn);
  }

  async describe(arns: readonly string[]): Promise<EcsTask[]> {
    const out: EcsTask[] = [];
    for (let i = 0; i < arns.length; i += 100) {
      const r = await this.client.call<{ tasks?: EcsTask[] }>('DescribeTasks', { tasks: arns.slice(i, i + 100) });
      out.push(...(r.tasks ?? []));
    }
    return out;
  }

  async stopAll(arns: readonly string[]): Promise<void> {
    for (let i = 0; i < arns.length; i += 10) {
      await Promise.all(arns.slice(i, i + 10).map((task) => this.client.call('StopTask', { task, reason: 'benchmark done' })));
    }
  }

  /** Polls until every task is in `status` (or past it); returns when each was first seen so (performance.now()). */
  async waitAll(arns: readonly string[], status: 'RUNNING' | 'STOPPED', intervalMs: number, timeoutMs: number): Promise<{ seen: Map<string, number>; tasks: EcsTask[] }> {
    const seen = new Map<string, number>();
    const deadline = performance.now() + timeoutMs;
    let tasks: EcsTask[] = [];
    for (;;) {
      tasks = await this.describe(arns);
      const now = performance.now();
      for (const t of tasks) {
        if (seen.has(t.taskArn)) continue;
        if (t.lastStatus === status) seen.set(t.taskArn, now);
        else if (status === 'RUNNING' && (t.lastStatus === 'STOPPED' || t.desiredStatus === 'STOPPED')) {
          throw new Error(`task ${t.taskArn} stopped before RUNNING: ${t.stopCode ?? ''} ${t.stoppedReason ?? ''} ${JSON.stringify(t.containers?.map((c) => c.reason))}`);
        }
      }
      if (seen.size >= arns.length) return { seen, tasks };
      if (now > deadline) {
        const counts = new Map<string, number>();
        for (const t of tasks) counts.set(t.lastStatus, (counts.get(t.lastStatus) ?? 0) + 1);
        throw new Error(`only ${seen.size}/${arns.length} tasks ${status} after ${timeoutMs} ms (${JSON.stringify([...counts])})`);
      }
      await sleep(intervalMs);
    }
  }

  close(): void {
    this.client.close();
  }
}

// ---------------------------------------------------------------------------------------------
// a pier of this run, with its tasks and its clean-up

interface RunPier {
  pier: PierServer;
  ecs: Ecs;
  runtime: Runtime;
  dataDir: string;
  instance: string;
  before: HostSnapshot;
  arns: Set<string>;
  profDir?: string;
}

const piers: RunPier[] = [];
/** /run/pier/<instance> of every pier this run started: checked for leftovers at the end. */
const instanceRoots: string[] = [];
/** What pier left on the host after a clean stop (the benchmark removes it), and what could not be removed. */
const leftoverReports: string[] = [];
const stillLeft: string[] = [];

async function startRunPier(runtime: Runtime, image: string, cpuProf: boolean): Promise<RunPier> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pier-bench-agent-'));
  const before = snapshotHost({ dataDirs: [dataDir] });
  const profDir = cpuProf ? mkdtempSync(join(tmpdir(), 'pier-bench-prof-')) : undefined;
  const pier = await startPierServer({
    dataDir,
    nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    pierArgs: ['--runtime', runtime, ...CAPACITY],
  });
  const rp: RunPier = { pier, ecs: new Ecs(pier), runtime, dataDir, instance: agentInstance(dataDir), before, arns: new Set(), ...(profDir ? { profDir } : {}) };
  piers.push(rp);
  instanceRoots.push(`/run/pier/${rp.instance}`);
  await rp.ecs.register(image);
  return rp;
}

async function runTasks(rp: RunPier, count: number): Promise<string[]> {
  const arns = await rp.ecs.runTask(count);
  for (const a of arns) rp.arns.add(a);
  return arns;
}

/** Stops every task of this pier that is not STOPPED yet and waits for it; returns the ms it took. */
async function stopTasks(rp: RunPier, timeoutMs = 600_000): Promise<number> {
  const arns = [...rp.arns];
  if (!arns.length) return 0;
  const t0 = performance.now();
  const live = (await rp.ecs.describe(arns)).filter((t) => t.lastStatus !== 'STOPPED').map((t) => t.taskArn);
  await rp.ecs.stopAll(live);
  await rp.ecs.waitAll(arns, 'STOPPED', 500, timeoutMs);
  rp.arns.clear();
  return performance.now() - t0;
}

function briefLeftovers(left: Leftovers): string {
  return Object.entries(left).map(([kind, items]) => {
    if (kind === 'cgroups') {
      // /sys/fs/cgroup/<hierarchy>/pier/<instance>[/<task>…]: count per hierarchy.
      const per = new Map<string, number>();
      for (const c of items) {
        const h = c.split('/')[4] ?? '?';
        per.set(h, (per.get(h) ?? 0) + 1);
      }
      const parts = [...per].map(([h, n]) => (n > 1 ? `${h}: instance dir + ${n - 1} below it` : h));
      return `cgroups ×${items.length} (${parts.join(', ')}; e.g. ${items[items.length - 1]})`;
    }
    const shown = items.slice(0, 3).join(', ');
    return `${kind} ×${items.length} (${shown}${items.length > 3 ? ', …' : ''})`;
  }).join('; ');
}

/** Stops pier and checks (and as a last resort removes) what it left on the host. */
async function closeRunPier(rp: RunPier): Promise<void> {
  const i = piers.indexOf(rp);
  if (i >= 0) piers.splice(i, 1);
  try {
    if (rp.arns.size) await stopTasks(rp, 300_000);
  } catch (err) {
    log(`stopping the tasks of ${rp.dataDir} failed: ${String(err)}`);
  }
  rp.ecs.close();
  await rp.pier.stop();
  const scope = { dataDirs: [rp.dataDir] };
  const left = await waitForNoLeftovers(rp.before, scope, 15_000);
  if (Object.keys(left).length) {
    leftoverReports.push(`pier --runtime ${rp.runtime} (${rp.dataDir}), all tasks STOPPED and pier exited, left: ${briefLeftovers(left)}`);
    log(`pier ${rp.runtime} left things behind; removing them:\n${formatLeftovers(left)}`);
    await removeLeftovers(rp.before, scope);
    const still = leftovers(rp.before, snapshotHost(scope));
    if (Object.keys(still).length) stillLeft.push(`pier ${rp.runtime} (${rp.dataDir}): ${formatLeftovers(still)}`);
  }
  if (!removeDataDir(rp.dataDir)) log(`kept ${rp.dataDir}: something is still mounted under it`);
}

// ---------------------------------------------------------------------------------------------
// raw runtimes

let WORK = '';
let ROOTFS = '';

function buildRootfs(dir: string): void {
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'data']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(BUSYBOX, join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  for (const a of spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).stdout.split('\n')) if (a && a !== 'busybox') symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
}

interface RawLaunch { runningMs: number; readyMs: number; cleanup: () => Promise<void> }

interface RawRuntime {
  name: string;
  launch(): Promise<RawLaunch>;
}

interface RawFixture { id: string; netns: string; netnsPath: string; base: string; data: string; dir: string; cg: string; oci: ReturnType<typeof buildOciSpec> }

async function rawFixture(kind: Runtime): Promise<RawFixture> {
  const id = randomBytes(16).toString('hex');
  const netns = `pier-ab-${id.slice(0, 10)}`;
  const netnsPath = await createNetns(netns);
  const base = join(WORK, 'tasks', id);
  const data = join(base, 'data');
  const dir = join(base, 'c0');
  mkdirSync(data, { recursive: true });
  mkdirSync(dir, { recursive: true });
  const cg = `${CG}/raw-${kind}/${id}`;
  const oci = buildOciSpec({
    taskId: id, runtimeId: id,
    container: { name: 'app', command: ['sh', '-c', 'echo up > /data/ready; exec sleep 100000'], readonlyRootFilesystem: true },
    image: { Env: ['PATH=/bin'] }, rootfs: ROOTFS,
    mounts: [{ source: data, destination: '/data', readOnly: false }],
    injectedEnv: {}, environmentFiles: {}, netnsPath, hostname: 'bench', taskLimits: { cpuUnits: 256, memoryMiB: 512 },
  });
  oci.linux.cgroupsPath = cg;
  oci.linux.resources = taskResources(256, 512);
  oci.process.rlimits = []; // runc cannot raise nofile past the host's hard limit here
  writeFileSync(join(dir, 'config.json'), JSON.stringify(oci));
  return { id, netns, netnsPath, base, data, dir, cg, oci };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Polls every 1 ms until both the runtime's state says running and the ready file exists. */
async function clockRaw(t0: number, running: () => boolean, readyFile: string, child: ChildProcess): Promise<{ runningMs: number; readyMs: number }> {
  let runningMs = NaN;
  let readyMs = NaN;
  const end = t0 + 30_000;
  for (;;) {
    const now = performance.now();
    if (Number.isNaN(runningMs) && running()) runningMs = now - t0;
    if (Number.isNaN(readyMs) && existsSync(readyFile)) readyMs = now - t0;
    if (!Number.isNaN(runningMs) && !Number.isNaN(readyMs)) return { runningMs, readyMs };
    if (child.exitCode !== null) throw new Error(`raw container exited with ${child.exitCode}`);
    if (now > end) throw new Error('raw container did not run within 30 s');
    await new Promise((r) => setTimeout(r, 1));
  }
}

/**
 * Raw `runsc run`. With `deferQuota`, as Pier does since 2026-12-05: the bundle has the task's
 * limits but the CPU quota, which is written to the sandbox's cgroup once it runs (under the
 * quota, a quarter of a core, the boot itself is throttled).
 */
function rawRunsc(deferQuota = false): RawRuntime {
  const root = join(WORK, 'runsc-raw-root');
  // Only for its command(): the same global flags and /proc/sys/net wrapper as Pier's runsc.
  const runsc = new RunscRuntime({ root, stateDir: join(WORK, 'runsc-raw-state'), cgroupParent: `${CG}/runsc-unused` });
  return {
    name: deferQuota ? 'raw `runsc run`, CPU quota once running' : 'raw `runsc run`',
    async launch() {
      const f = await rawFixture('runsc');
      if (deferQuota) {
        f.oci.linux.resources = withoutCpuQuota(taskResources(256, 512));
        writeFileSync(join(f.dir, 'config.json'), JSON.stringify(f.oci));
      }
      const argv = runsc.command(['run', '--bundle', f.dir, f.id]);
      const stateFile = join(root, `${f.id}_sandbox:${f.id}.state`);
      const running = (): boolean => {
        try {
          return (JSON.parse(readFileSync(stateFile, 'utf8')) as { status?: string }).status === 'running';
        } catch {
          return false;
        }
      };
      const t0 = performance.now();
      const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
      const cleanup = async (): Promise<void> => {
        await runCommand(runsc.command(['kill', f.id, 'KILL']));
        await Promise.race([exited(child), sleep(10_000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
        await runCommand(runsc.command(['delete', '-force', f.id]));
        removeCgroupTree(f.cg);
        await deleteNetns(f.netns);
        rmSync(f.base, { recursive: true, force: true });
      };
      try {
        const clocked = await clockRaw(t0, running, join(f.data, 'ready'), child);
        if (deferQuota) ensureCgroup(f.cg, taskResources(256, 512));
        return { ...clocked, cleanup };
      } catch (err) {
        await cleanup();
        throw err;
      }
    },
  };
}

function rawRunc(): RawRuntime {
  const root = join(WORK, 'runc-raw-root');
  return {
    name: 'raw `runc run`',
    async launch() {
      const f = await rawFixture('runc');
      const stateDir = join(root, f.id);
      // Pier's rule for runc (RuncRuntime.runtimeState): no exec fifo any more, init pid alive.
      const running = (): boolean => {
        try {
          const st = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { init_process_pid?: number };
          return !existsSync(join(stateDir, 'exec.fifo')) && !!st.init_process_pid && pidAlive(st.init_process_pid);
        } catch {
          return false;
        }
      };
      const t0 = performance.now();
      const child = spawn('runc', ['--root', root, 'run', '--bundle', f.dir, f.id], { stdio: 'ignore' });
      const cleanup = async (): Promise<void> => {
        await runCommand(['runc', '--root', root, 'kill', f.id, 'KILL']);
        await Promise.race([exited(child), sleep(10_000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
        await runCommand(['runc', '--root', root, 'delete', '--force', f.id]);
        removeCgroupTree(f.cg);
        await deleteNetns(f.netns);
        rmSync(f.base, { recursive: true, force: true });
      };
      try {
        return { ...await clockRaw(t0, running, join(f.data, 'ready'), child), cleanup };
      } catch (err) {
        await cleanup();
        throw err;
      }
    },
  };
}

/**
 * Pier's runtime layer alone, no agent and no control plane: RunscRuntime / RuncRuntime
 * createSandbox + startContainer (runsc, one container: it is the sandbox's root, booted by
 * `runsc run` under a shim), timed like the raw runtime. Separates what the sandbox layout costs
 * from what the agent and the control plane add.
 */
function runtimeLayer(kind: Runtime): RawRuntime {
  const rt = kind === 'runsc'
    ? new RunscRuntime({ root: join(WORK, 'layer-runsc-root'), stateDir: join(WORK, 'layer-runsc-state'), cgroupParent: `${CG}/layer-runsc` })
    : new RuncRuntime({ root: join(WORK, 'layer-runc-root'), cgroupParent: `${CG}/layer-runc` });
  const sandboxes = join(WORK, `layer-${kind}-sandboxes`);
  return {
    name: `${kind === 'runsc' ? 'RunscRuntime' : 'RuncRuntime'} alone`,
    async launch() {
      const f = await rawFixture(kind);
      // One container: the agent runs it as the sandbox's root (SandboxSpec.soleContainerId).
      const sandbox = { id: f.id, dir: join(sandboxes, f.id), netnsPath: f.netnsPath, cpuUnits: 256, memoryMiB: 512, hostname: 'bench', soleContainerId: `${f.id}-0` };
      const container = { id: `${f.id}-0`, dir: f.dir, oci: f.oci as unknown as Record<string, unknown> };
      const cleanup = async (): Promise<void> => {
        await rt.destroySandbox(sandbox).catch((err: unknown) => log(`${kind} layer clean-up: ${String(err)}`));
        await deleteNetns(f.netns);
        rmSync(f.base, { recursive: true, force: true });
      };
      try {
        const t0 = performance.now();
        await rt.createSandbox(sandbox);
        await rt.startContainer(sandbox, container);
        const runningMs = performance.now() - t0;
        const end = t0 + 30_000;
        while (!existsSync(join(f.data, 'ready'))) {
          if (performance.now() > end) throw new Error('runtime layer: no ready file within 30 s');
          await new Promise((r) => setTimeout(r, 1));
        }
        return { runningMs, readyMs: performance.now() - t0, cleanup };
      } catch (err) {
        await cleanup();
        throw err;
      }
    },
  };
}

const rawCleanups: (() => Promise<void>)[] = [];

/** This run's cgroup tree, in every hierarchy (the cgroup2 `unified` one included). */
const removeCgroupEverywhere = removeCgroupTree;

async function cleanupRaw(): Promise<void> {
  const all = rawCleanups.splice(0);
  for (let i = 0; i < all.length; i += 8) {
    await Promise.all(all.slice(i, i + 8).map((c) => c().catch((err: unknown) => log(`raw clean-up: ${String(err)}`))));
  }
}

// ---------------------------------------------------------------------------------------------
// 1. latency

/** Milestones of one Pier launch, in ms after the task's createdAt (NaN when unknown). */
/** What the files the runtime writes tell of one Pier launch, in ms after the task's createdAt (NaN when unknown). */
interface Timeline {
  shimUp: number; // the shim's pid file written (by the spawner, as it started the shim)
  containerRunning: number; // the runtime's container state last written
  startedAt: number; // the agent's RUNNING report
}

interface PierLaunch {
  serverMs: number; // startedAt - createdAt
  wallMs: number; // RunTask call → poll sees RUNNING
  runTaskMs: number; // the RunTask call itself
  cpuMs: number; // pier process CPU (user+sys) during the launch, incl. the polls
  polls: number; // DescribeTasks calls made while waiting
  timeline: Timeline;
  /** The agent's own trace (launch-trace.json), marks made relative to createdAt. */
  trace?: LaunchTraceJson;
}

function readTrace(rp: RunPier, t: EcsTask): LaunchTraceJson | undefined {
  const id = t.taskArn.slice(t.taskArn.lastIndexOf('/') + 1);
  try {
    const tr = JSON.parse(readFileSync(join(rp.dataDir, 'agent', 'tasks', id, LAUNCH_TRACE_FILE), 'utf8')) as LaunchTraceJson;
    const shift = tr.startedAtMs - t.createdAt * 1000;
    return {
      ...tr,
      marks: { runner: shift, ...Object.fromEntries(Object.entries(tr.marks).map(([k, v]) => [k, v + shift])) },
      commands: (tr.commands ?? []).map((c) => ({ ...c, askedAt: c.askedAt + shift })),
    };
  } catch {
    return undefined;
  }
}

function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return NaN;
  }
}

function timeline(rp: RunPier, t: EcsTask): Timeline {
  const id = t.taskArn.slice(t.taskArn.lastIndexOf('/') + 1);
  const created = t.createdAt * 1000;
  const rel = (ms: number | undefined): number => (ms === undefined || Number.isNaN(ms) ? NaN : ms - created);
  const cdir = join(rp.dataDir, 'agent', 'tasks', id, 'containers', 'app');
  const cid = `${id}-0`;
  const runRoot = `/run/pier/${rp.instance}/${rp.runtime}`;
  // runsc: a one-container task has no pause sandbox; its container is the sandbox's root.
  const containerRunning = rp.runtime === 'runsc'
    ? [`${cid}_sandbox:${cid}.state`, `${cid}_sandbox:${id}-pause.state`].map((f) => mtimeMs(join(runRoot, f))).find((ms) => !Number.isNaN(ms)) ?? NaN
    : mtimeMs(join(runRoot, cid, 'state.json'));
  return {
    shimUp: rel(mtimeMs(join(cdir, 'shim.pid'))),
    containerRunning: rel(containerRunning),
    startedAt: rel(t.startedAt === undefined ? undefined : t.startedAt * 1000),
  };
}

async function pierLaunch(rp: RunPier): Promise<PierLaunch> {
  const cpu0 = processCpuSeconds(rp.pier.pid) ?? NaN;
  const p0 = performance.now();
  const [arn] = await runTasks(rp, 1);
  const runTaskMs = performance.now() - p0;
  let task: EcsTask;
  let polls = 0;
  for (;;) {
    [task] = (await rp.ecs.describe([arn!])) as [EcsTask];
    polls++;
    if (task.lastStatus === 'RUNNING') break;
    if (task.lastStatus === 'STOPPED' || task.desiredStatus === 'STOPPED') {
      throw new Error(`task stopped before RUNNING: ${task.stopCode ?? ''} ${task.stoppedReason ?? ''} ${JSON.stringify(task.containers?.map((c) => c.reason))}`);
    }
    if (performance.now() - p0 > 60_000) throw new Error(`task not RUNNING after 60 s (${task.lastStatus})`);
    await sleep(POLL_MS);
  }
  const wallMs = performance.now() - p0;
  const cpuMs = ((processCpuSeconds(rp.pier.pid) ?? NaN) - cpu0) * 1000;
  const trace = readTrace(rp, task);
  return { serverMs: (task.startedAt! - task.createdAt) * 1000, wallMs, runTaskMs, cpuMs, polls, timeline: timeline(rp, task), ...(trace ? { trace } : {}) };
}

interface LatencyResult {
  runtime: Runtime;
  launches: number;
  raw: { running: Summary; ready: Summary };
  /** runsc: raw with the CPU quota written once running (what Pier does), the equivalent baseline. */
  rawDeferred?: { running: Summary; ready: Summary };
  layer: { running: Summary; ready: Summary };
  pier: { server: Summary; wall: Summary; runTask: Summary; cpu: Summary; cpuNoPolls: Summary; cpuPerPollMs: number };
  overheadP50Ms: number;
  steps: { step: string; p50: number; p90: number }[];
  /** The agent's trace: each mark's p50/p90 in ms after createdAt, and process starts per launch. */
  agentMarks: { mark: string; p50: number; p90: number }[];
  /** Host commands during the launches (by their first words): asked at (after createdAt), ran, waited for (p50). */
  commands: { command: string; perLaunch: number; askedAt: number; ranMs: number; waitedMs: number }[];
  spawns: Summary;
  spawnBlocked: Summary;
  /** Every launch (for the --json file: outliers). */
  each?: { serverMs: number; wallMs: number; marks: Record<string, number>; commands: LaunchTraceJson['commands'] }[];
  busyPct: number | undefined;
  quietPct: number | undefined;
  profileTop?: string[];
}


/**
 * The launch's critical path, step by step: the agent's own trace (launch-trace.json) where it has
 * the mark, the files the runtime writes (shim.pid, its state) for the rest.
 */
function stepRows(launches: readonly PierLaunch[], runtime: Runtime): { step: string; p50: number; p90: number }[] {
  const m = (l: PierLaunch, name: string): number => l.trace?.marks[name] ?? NaN;
  const d = (from: (l: PierLaunch) => number, to: (l: PierLaunch) => number): number[] => launches.map((l) => to(l) - from(l));
  const t = (k: keyof Timeline) => (l: PierLaunch): number => l.timeline[k];
  const mk = (name: string) => (l: PierLaunch): number => m(l, name);
  const rows: [string, number[]][] = [
    ['createdAt → the runner has the assignment (long-poll delivery)', d(() => 0, mk('runner'))],
    ['runner → prepare begins (state saved, PENDING queued)', d(mk('runner'), mk('prepare'))],
    ['ENI: namespace, veth, address, rules (prepare → network)', d(mk('prepare'), mk('network'))],
    ['task disk: spare image, loop mount (prepare → disk)', d(mk('prepare'), mk('disk'))],
    ['image, cached (prepare → pulled)', d(mk('prepare'), mk('pulled'))],
    ['rootfs overlay mount (after disk and image)', d(mk('mountRootfs:app'), mk('rootfs:app'))],
    ['spec written → startContainer (waits for the ENI, runs the run loop)', d(mk('spec:app'), mk('start:app'))],
    ['startContainer → shim shell running (shim.pid)', d(mk('start:app'), t('shimUp'))],
    [`shim → ${runtime} state "running"`, d(t('shimUp'), t('containerRunning'))],
    ['runtime "running" → RUNNING report (startedAt)', d(t('containerRunning'), t('startedAt'))],
    ['startedAt → DescribeTasks poll sees RUNNING (wall − RunTask)', launches.map((l) => l.wallMs - l.serverMs)],
  ];
  return rows.map(([step, xs]) => {
    const s = summary(xs);
    return { step, p50: s.p50, p90: s.p90 };
  });
}

/** The pier profile's top frames by self time within a monotonic-clock window (µs). */
/** CLOCK_MONOTONIC µs (V8 profiles' and process.hrtime's clock) of an epoch time in ms. */
function epochToMonoUs(epochMs: number): number {
  return Number(process.hrtime.bigint() / 1000n) + (epochMs - (performance.timeOrigin + performance.now())) * 1000;
}

/** The hottest functions of the pier process in the given CLOCK_MONOTONIC µs windows. */
function profileWindowTop(profDir: string, windows: readonly (readonly [number, number])[], top: number, label = 'during the launches'): string[] {
  const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) return ['(no profile written)'];
  type Profile = Parameters<typeof summarise>[0];
  const p = JSON.parse(readFileSync(join(profDir, files[0]!), 'utf8')) as Profile;
  // V8 profile timestamps and process.hrtime are both CLOCK_MONOTONIC: keep the windows' samples.
  // A kept sample's duration is the gap to the next sample (see summarise): one past each window ends it.
  const inside = (t: number): boolean => windows.some(([from, to]) => t >= from && t <= to);
  const samples: number[] = [];
  const deltas: number[] = [];
  let at = p.startTime;
  let first = NaN;
  let kept = false;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    const keep = inside(at);
    if (!keep && !kept) continue;
    if (Number.isNaN(first)) first = at;
    samples.push(keep ? p.samples[i]! : idleNode(p));
    deltas.push(samples.length === 1 ? 0 : p.timeDeltas[i] ?? 0);
    kept = keep;
  }
  const windowed = samples.length ? { ...p, startTime: first, endTime: at, samples, timeDeltas: deltas } : p;
  const { totalMs, frames } = summarise(windowed);
  const wallMs = samples.length ? windows.reduce((sum, [from, to]) => sum + (to - from), 0) / 1000 : (p.endTime - p.startTime) / 1000;
  const row = (f: (typeof frames)[number]): string => `${f.selfMs.toFixed(0).padStart(6)} ms self ${f.totalMs.toFixed(0).padStart(6)} ms total  ${f.frame}`;
  return [
    `pier CPU sampled ${samples.length ? label : '(whole run: window not found)'}: ${totalMs.toFixed(0)} ms in ${wallMs.toFixed(0)} ms of wall time`,
    'top by self time:',
    ...[...frames].sort((a, b) => b.selfMs - a.selfMs).slice(0, top).map(row),
    'top by total time (agent and API frames):',
    ...[...frames].filter((f) => /dist\/src\//.test(f.frame)).sort((a, b) => b.totalMs - a.totalMs).slice(0, top).map(row),
  ];
}

/** The profile's "(idle)" node: samples outside the windows count as idle (summarise skips those). */
function idleNode(p: Parameters<typeof summarise>[0]): number {
  return p.nodes.find((n) => n.callFrame.functionName === '(idle)')?.id ?? p.nodes[0]!.id;
}

async function latencyPhase(runtime: Runtime, image: string, o: Options): Promise<LatencyResult> {
  log(`latency ${runtime}: starting pier (--runtime ${runtime})`);
  const rp = await startRunPier(runtime, image, o.cpuProf);
  const raw = runtime === 'runsc' ? rawRunsc() : rawRunc();
  const rawDeferred = runtime === 'runsc' ? rawRunsc(true) : undefined;
  const layer = runtimeLayer(runtime);
  try {
    // Warm-up, not counted: the image pull (afterwards cached), page cache, JIT.
    log(`latency ${runtime}: warm-up`);
    for (let i = 0; i < 2; i++) {
      const w = await raw.launch();
      rawCleanups.push(w.cleanup);
      if (rawDeferred) rawCleanups.push((await rawDeferred.launch()).cleanup);
      const wl = await layer.launch();
      rawCleanups.push(wl.cleanup);
      await pierLaunch(rp);
    }
    await cleanupRaw();
    await stopTasks(rp);
    const quietPct = await waitForQuiet(40, 60_000);
    const rawRunning: number[] = [];
    const rawReady: number[] = [];
    const deferredRunning: number[] = [];
    const deferredReady: number[] = [];
    const layerRunning: number[] = [];
    const layerReady: number[] = [];
    const launches: PierLaunch[] = [];
    const busy0 = machineBusySeconds();
    const w0 = performance.now();
    const mono0 = Number(process.hrtime.bigint() / 1000n);
    for (let i = 0; i < o.launches; i++) {
      const r = await raw.launch();
      rawCleanups.push(r.cleanup);
      rawRunning.push(r.runningMs);
      rawReady.push(r.readyMs);
      if (rawDeferred) {
        const d = await rawDeferred.launch();
        rawCleanups.push(d.cleanup);
        deferredRunning.push(d.runningMs);
        deferredReady.push(d.readyMs);
      }
      const l = await layer.launch();
      rawCleanups.push(l.cleanup);
      layerRunning.push(l.runningMs);
      layerReady.push(l.readyMs);
      launches.push(await pierLaunch(rp));
      if ((i + 1) % 10 === 0) log(`latency ${runtime}: ${i + 1}/${o.launches}`);
    }
    const mono1 = Number(process.hrtime.bigint() / 1000n);
    const busy1 = machineBusySeconds();
    const loopBusyPct = busy0 !== undefined && busy1 !== undefined ? (100 * (busy1 - busy0)) / ((performance.now() - w0) / 1000) : undefined;
    // What the polls cost pier (with the same tasks running): 100 DescribeTasks of one task, 20 ms apart.
    const probeArn = [...rp.arns][0]!;
    const pc0 = processCpuSeconds(rp.pier.pid) ?? NaN;
    for (let i = 0; i < 100; i++) {
      await rp.ecs.describe([probeArn]);
      await sleep(POLL_MS);
    }
    const cpuPerPollMs = (((processCpuSeconds(rp.pier.pid) ?? NaN) - pc0) * 1000) / 100;
    log(`latency ${runtime}: stopping ${rp.arns.size} tasks and ${rawCleanups.length} raw containers`);
    await Promise.all([stopTasks(rp), cleanupRaw()]);
    const server = summary(launches.map((l) => l.serverMs));
    const rawRun = summary(rawRunning);
    const result: LatencyResult = {
      runtime, launches: o.launches,
      raw: { running: rawRun, ready: summary(rawReady) },
      ...(rawDeferred ? { rawDeferred: { running: summary(deferredRunning), ready: summary(deferredReady) } } : {}),
      layer: { running: summary(layerRunning), ready: summary(layerReady) },
      pier: {
        server, wall: summary(launches.map((l) => l.wallMs)), runTask: summary(launches.map((l) => l.runTaskMs)), cpu: summary(launches.map((l) => l.cpuMs)),
        cpuNoPolls: summary(launches.map((l) => l.cpuMs - l.polls * cpuPerPollMs)), cpuPerPollMs,
      },
      overheadP50Ms: server.p50 - rawRun.p50,
      steps: stepRows(launches, runtime),
      ...traceSummary(launches),
      each: launches.map((l) => ({ serverMs: l.serverMs, wallMs: l.wallMs, marks: l.trace?.marks ?? {}, commands: l.trace?.commands ?? [] })),
      busyPct: loopBusyPct, quietPct,
    };
    await closeRunPier(rp);
    if (rp.profDir) {
      result.profileTop = profileWindowTop(rp.profDir, [[mono0, mono1]], 15);
      // The agent's busiest stretch: from the runner taking each task to its sandbox being asked for.
      const prepWindows = launches.filter((l) => l.trace?.marks.prepared !== undefined)
        .map((l): [number, number] => [epochToMonoUs(l.trace!.startedAtMs), epochToMonoUs(l.trace!.startedAtMs + l.trace!.marks.prepared!)]);
      if (prepWindows.length) result.profileTop.push('', ...profileWindowTop(rp.profDir, prepWindows, 15, 'while tasks prepared (runner → prepared)'));
      rmSync(rp.profDir, { recursive: true, force: true });
    }
    return result;
  } finally {
    await cleanupRaw();
    if (piers.includes(rp)) await closeRunPier(rp);
  }
}

function commandRows(launches: readonly PierLaunch[]): LatencyResult['commands'] {
  const traced = launches.filter((l) => l.trace);
  const all = traced.flatMap((l) => l.trace!.commands ?? []);
  const names = [...new Set(all.map((c) => c.command))];
  return names.map((command) => {
    const mine = all.filter((c) => c.command === command);
    return {
      command, perLaunch: mine.length / Math.max(1, traced.length),
      askedAt: summary(mine.map((c) => c.askedAt)).p50, ranMs: summary(mine.map((c) => c.ranMs)).p50, waitedMs: summary(mine.map((c) => c.waitedMs)).p50,
    };
  }).sort((a, b) => a.askedAt - b.askedAt);
}

function traceSummary(launches: readonly PierLaunch[]): Pick<LatencyResult, 'agentMarks' | 'spawns' | 'spawnBlocked' | 'commands'> {
  const traced = launches.filter((l) => l.trace);
  const names = [...new Set(traced.flatMap((l) => Object.keys(l.trace!.marks)))];
  const agentMarks = names.map((mark) => {
    const s = summary(traced.map((l) => l.trace!.marks[mark] ?? NaN));
    return { mark, p50: s.p50, p90: s.p90 };
  }).sort((a, b) => a.p50 - b.p50);
  return {
    agentMarks,
    spawns: summary(traced.map((l) => l.trace!.spawns)),
    spawnBlocked: summary(traced.map((l) => l.trace!.spawnBlockedMs)),
    commands: commandRows(launches),
  };
}

function printLatency(r: LatencyResult): void {
  console.log(`\n### 1. RunTask → RUNNING, ${r.runtime} (${r.launches} sequential launches, image cached, raw and Pier interleaved; ms)`);
  console.log(`machine busy before the launches (other people's work): ${r.quietPct?.toFixed(0) ?? '?'}% of one core; `
    + `during them (everything, incl. the sandboxes and pier): ${r.busyPct?.toFixed(0) ?? '?'}% of one core`);
  console.log(markdownTable(SUM_HEADER, [
    sumRow(`raw ${r.runtime} run: state "running"`, r.raw.running),
    sumRow(`raw ${r.runtime} run: process wrote ready file`, r.raw.ready),
    ...(r.rawDeferred ? [
      sumRow(`raw ${r.runtime} run, CPU quota once running: state "running"`, r.rawDeferred.running),
      sumRow(`raw ${r.runtime} run, CPU quota once running: ready file`, r.rawDeferred.ready),
    ] : []),
    sumRow(`Pier's ${r.runtime === 'runsc' ? 'RunscRuntime (one container: the sandbox root)' : 'RuncRuntime'} alone, no agent: running`, r.layer.running),
    sumRow(`Pier's ${r.runtime === 'runsc' ? 'RunscRuntime' : 'RuncRuntime'} alone, no agent: ready file`, r.layer.ready),
    sumRow('Pier: startedAt − createdAt (server)', r.pier.server),
    sumRow(`Pier: wall, RunTask → poll sees RUNNING (${POLL_MS} ms polls)`, r.pier.wall),
    sumRow('Pier: the RunTask call alone', r.pier.runTask),
    sumRow('Pier process CPU per launch (incl. polls)', r.pier.cpu),
    sumRow(`Pier process CPU per launch without the polls (${fmtMs(r.pier.cpuPerPollMs)} ms each)`, r.pier.cpuNoPolls),
  ], SUM_RIGHT));
  const wallOver = r.pier.wall.p50 - r.raw.running.p50;
  console.log(`Pier overhead at p50: server ${fmtMs(r.overheadP50Ms)} ms, wall ${fmtMs(wallOver)} ms over raw "running" `
    + `(${fmtMs(r.pier.server.p50 - r.raw.ready.p50)} / ${fmtMs(r.pier.wall.p50 - r.raw.ready.p50)} ms over raw "ready"); `
    + `goal ≤ 100 ms: ${r.overheadP50Ms <= 100 ? 'MET' : 'NOT MET'} (server), ${wallOver <= 100 ? 'MET' : 'NOT MET'} (wall)`);
  if (r.rawDeferred) {
    const over = r.pier.server.p50 - r.rawDeferred.running.p50;
    console.log(`over raw with the CPU quota applied once running (as Pier does; the equivalent bundle): server ${fmtMs(over)} ms, `
      + `wall ${fmtMs(r.pier.wall.p50 - r.rawDeferred.running.p50)} ms; goal ≤ 100 ms: ${over <= 100 ? 'MET' : 'NOT MET'} (server)`);
  }
  console.log(`of it at p50: runtime layer (Pier's runtime alone − raw) ${fmtMs(r.layer.running.p50 - r.raw.running.p50)} ms; `
    + `agent + control plane (Pier server − runtime alone) ${fmtMs(r.pier.server.p50 - r.layer.running.p50)} ms`);
  console.log(`\nwhere Pier's time goes (${r.runtime}; per-launch differences, ms)`);
  console.log(markdownTable(['step', 'p50', 'p90'], r.steps.map((s) => [s.step, fmtMs(s.p50), fmtMs(s.p90)]), new Set([1, 2])));
  if (r.agentMarks.length) {
    console.log(`\nthe agent's trace (launch-trace.json), ms after createdAt; per launch ${fmtMs(r.spawns.p50)} processes started (p50), `
      + `its event loop blocked ${fmtMs(r.spawnBlocked.p50)} ms (p50, ${fmtMs(r.spawnBlocked.p90)} p90) inside spawn()`);
    console.log(markdownTable(['mark', 'p50', 'p90'], r.agentMarks.map((m) => [m.mark, fmtMs(m.p50), fmtMs(m.p90)]), new Set([1, 2])));
    console.log('\nhost commands during a launch (p50 ms; asked at: after createdAt; ran: the process; waited: the caller, incl. starting it)');
    console.log(markdownTable(['command', 'per launch', 'asked at', 'ran', 'waited'],
      r.commands.map((c) => [c.command, c.perLaunch.toFixed(1), fmtMs(c.askedAt), fmtMs(c.ranMs), fmtMs(c.waitedMs)]), new Set([1, 2, 3, 4])));
  }
  if (r.profileTop) console.log(`\n${r.profileTop.join('\n')}`);
}

// ---------------------------------------------------------------------------------------------
// 2. density and 3. throughput

interface DensityResult {
  tasks: number;
  allRunningWallMs: number;
  allRunningServerMs: number;
  launchPierCpuPct: number;
  launchMachineBusyPct: number;
  firstRunningMs: number;
  groups: { label: string; processes: number; pssMiB: number; anonMiB: number; perTaskPssMiB: number; perTaskAnonMiB: number; comms: string }[];
  pierBeforeMiB: number;
  pierAfterMiB: number;
  perTaskOverheadMiB: number;
  perTaskOverheadAnonMiB: number;
  sandboxPerTaskMiB: number;
  pierIdleCpuPct: number | undefined;
  sandboxIdleCpuPct: number | undefined;
  unclassified: string[];
  stopAllMs: number;
  /** CLOCK_MONOTONIC µs of the idle CPU measurement (for --cpu-prof). */
  idleWindowUs: [number, number];
}

interface ThroughputResult {
  runtime: Runtime;
  batches: number;
  tasks: number;
  allRunningWallMs: number;
  tasksPerSecond: number;
  runTaskCallsMs: number;
  startedAfterFirstCall: Summary;
  pierCpuPct: number;
  machineBusyPct: number;
  quietPct: number | undefined;
  stopAllMs: number;
}

/** RunTask count=10 × batches back to back; time until all RUNNING. */
async function launchBatches(rp: RunPier, batches: number, pollMs: number): Promise<{
  arns: string[]; wallMs: number; callsMs: number; startedMs: number[]; firstCallEpochMs: number; tasks: EcsTask[]; pierCpuPct: number; machineBusyPct: number;
}> {
  const arns: string[] = [];
  const cpu0 = processCpuSeconds(rp.pier.pid) ?? NaN;
  const busy0 = machineBusySeconds() ?? NaN;
  const firstCallEpochMs = Date.now();
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) arns.push(...await runTasks(rp, 10));
  const callsMs = performance.now() - t0;
  const { seen, tasks } = await rp.ecs.waitAll(arns, 'RUNNING', pollMs, 600_000);
  const wallMs = Math.max(...seen.values()) - t0;
  const secs = (performance.now() - t0) / 1000;
  const pierCpuPct = (100 * ((processCpuSeconds(rp.pier.pid) ?? NaN) - cpu0)) / secs;
  const machineBusyPct = (100 * ((machineBusySeconds() ?? NaN) - busy0)) / secs;
  const startedMs = tasks.map((t) => t.startedAt! * 1000 - firstCallEpochMs);
  return { arns, wallMs, callsMs, startedMs, firstCallEpochMs, tasks, pierCpuPct, machineBusyPct };
}

function cgroupCpuSeconds(cgroupPath: string): number | undefined {
  for (const h of ['/sys/fs/cgroup/cpuacct', '/sys/fs/cgroup/cpu,cpuacct', '/sys/fs/cgroup/cpu']) {
    try {
      return Number(readFileSync(join(h, cgroupPath, 'cpuacct.usage'), 'utf8')) / 1e9;
    } catch {
      // not this hierarchy
    }
  }
  try {
    const m = /usage_usec (\d+)/.exec(readFileSync(join('/sys/fs/cgroup', cgroupPath, 'cpu.stat'), 'utf8'));
    return m ? Number(m[1]) / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

async function densityPhase(rp: RunPier, n: number): Promise<DensityResult> {
  // Warm-up: pull the image, JIT the paths, then let the process settle.
  log('density: warm-up task');
  await runTasks(rp, 1);
  await rp.ecs.waitAll([...rp.arns], 'RUNNING', 100, 120_000);
  await stopTasks(rp);
  await sleep(3000);
  const before = await pierPss(rp.pier.pid);
  log(`density: pier PSS before ${(before.pss / 1024).toFixed(1)} MiB; launching ${n} tasks (${Math.ceil(n / 10)} × RunTask count=10)`);
  const batch = await launchBatches(rp, Math.ceil(n / 10), 100);
  log(`density: all ${batch.arns.length} RUNNING after ${(batch.wallMs / 1000).toFixed(1)} s; idling 5 s`);
  await sleep(5000);
  const ids = batch.arns.map((a) => a.slice(a.lastIndexOf('/') + 1));
  const parent = `/pier/${rp.instance}`;
  // Idle CPU over 5 s.
  const pc0 = processCpuSeconds(rp.pier.pid);
  const sc0 = cgroupCpuSeconds(parent);
  const c0 = performance.now();
  const idle0 = Number(process.hrtime.bigint() / 1000n);
  await sleep(5000);
  const idleWindowUs: [number, number] = [idle0, Number(process.hrtime.bigint() / 1000n)];
  const secs = (performance.now() - c0) / 1000;
  const pc1 = processCpuSeconds(rp.pier.pid);
  const sc1 = cgroupCpuSeconds(parent);
  const pierIdleCpuPct = pc0 !== undefined && pc1 !== undefined ? (100 * (pc1 - pc0)) / secs : undefined;
  const sandboxIdleCpuPct = sc0 !== undefined && sc1 !== undefined ? (100 * (sc1 - sc0)) / secs : undefined;

  const after = await pierPss(rp.pier.pid);
  const sandbox = new Set(ids.flatMap((id) => pidsIn(`${parent}/${id}`)));
  const pierTree = tree(rp.pier.pid);
  // Shims are children of the agent's spawner helper (a child of pier) since 2026-12-05.
  const shims = pierTree.filter((p) => cmdline(p).includes('pier-shim:'));
  const underShims = new Set(shims.flatMap((s) => tree(s)));
  const waiters = [...underShims].filter((p) => !shims.includes(p) && !sandbox.has(p));
  const helpers = pierTree.filter((p) => p !== rp.pier.pid && !underShims.has(p) && !sandbox.has(p));
  const known = new Set([...pierTree, ...sandbox, ...underShims]);
  const unclassified = processesMentioning([`/run/pier/${rp.instance}`, rp.dataDir, ...ids]).filter((l) => !known.has(Number(l.slice(0, l.indexOf(':')))));

  const groups = [
    { ...memGroup('pier process (node: control plane + agent), after', [rp.pier.pid]), pssKiB: after.pss, anonKiB: after.anon },
    memGroup('pier helper processes (spawner, tar pool, …)', helpers),
    memGroup('shims (sh, one per container)', shims),
    memGroup('waiters under the shims (`runsc run`)', waiters),
    memGroup('sandboxes (task cgroups: sentry, gofers, stubs, app)', [...sandbox]),
  ];
  const shimG = groups[2]!;
  const waitG = groups[3]!;
  const sbG = groups[4]!;
  const pierDelta = after.pss - before.pss;
  const pierDeltaAnon = after.anon - before.anon;
  const MiB = 1024;
  log(`density: stopping ${rp.arns.size} tasks`);
  const stopAllMs = await stopTasks(rp);
  const startedMin = Math.min(...batch.tasks.map((t) => t.startedAt!)) * 1000;
  return {
    tasks: batch.arns.length,
    allRunningWallMs: batch.wallMs,
    allRunningServerMs: Math.max(...batch.startedMs),
    launchPierCpuPct: batch.pierCpuPct, launchMachineBusyPct: batch.machineBusyPct,
    firstRunningMs: startedMin - batch.firstCallEpochMs,
    groups: groups.map((g) => ({
      label: g.label, processes: g.pids.length, pssMiB: g.pssKiB / MiB, anonMiB: g.anonKiB / MiB,
      perTaskPssMiB: g.pssKiB / MiB / n, perTaskAnonMiB: g.anonKiB / MiB / n, comms: g.comms,
    })),
    pierBeforeMiB: before.pss / MiB,
    pierAfterMiB: after.pss / MiB,
    perTaskOverheadMiB: (pierDelta + shimG.pssKiB + waitG.pssKiB) / MiB / n,
    perTaskOverheadAnonMiB: (pierDeltaAnon + shimG.anonKiB + waitG.anonKiB) / MiB / n,
    sandboxPerTaskMiB: sbG.pssKiB / MiB / n,
    pierIdleCpuPct, sandboxIdleCpuPct, unclassified, stopAllMs, idleWindowUs,
  };
}

function printDensity(d: DensityResult): void {
  console.log(`\n### 2. density: ${d.tasks} idle 256-CPU/512-MiB tasks on one host (runsc)`);
  console.log(`all ${d.tasks} RUNNING ${(d.allRunningWallMs / 1000).toFixed(1)} s after the first of ${Math.ceil(d.tasks / 10)} RunTask count=10 calls `
    + `(last startedAt ${(d.allRunningServerMs / 1000).toFixed(1)} s, first ${(d.firstRunningMs / 1000).toFixed(1)} s; ${(d.tasks / (d.allRunningWallMs / 1000)).toFixed(1)} tasks/s); `
    + `stopping all took ${(d.stopAllMs / 1000).toFixed(1)} s`);
  console.log(`while launching: pier process ${d.launchPierCpuPct.toFixed(0)}% of one core, machine ${d.launchMachineBusyPct.toFixed(0)}% (of ${machineInfo().nproc * 100}%)`);
  console.log(`pier process PSS: before ${d.pierBeforeMiB.toFixed(1)} MiB, after ${d.pierAfterMiB.toFixed(1)} MiB (delta ${(d.pierAfterMiB - d.pierBeforeMiB).toFixed(1)} MiB)`);
  console.log(markdownTable(['processes', 'count', 'PSS MiB', 'anon MiB', 'PSS MiB / task', 'anon MiB / task', 'what'],
    d.groups.map((g) => [g.label, String(g.processes), g.pssMiB.toFixed(1), g.anonMiB.toFixed(1), g.perTaskPssMiB.toFixed(2), g.perTaskAnonMiB.toFixed(2), g.comms]),
    new Set([1, 2, 3, 4, 5])));
  console.log(`Pier overhead per task = (pier delta + shims + waiters) / ${d.tasks} = ${d.perTaskOverheadMiB.toFixed(2)} MiB PSS `
    + `(${d.perTaskOverheadAnonMiB.toFixed(2)} MiB anon); goal ≤ 5 MiB: ${d.perTaskOverheadMiB <= 5 ? 'MET' : 'NOT MET'}`);
  console.log(`sandbox (gVisor) per task: ${d.sandboxPerTaskMiB.toFixed(1)} MiB PSS (not Pier's overhead)`);
  console.log(`idle CPU with ${d.tasks} tasks: pier ${d.pierIdleCpuPct?.toFixed(1) ?? '?'}% of one core, all sandboxes ${d.sandboxIdleCpuPct?.toFixed(1) ?? '?'}%`);
  if (d.unclassified.length) console.log(`processes of this pier not counted above:\n  ${d.unclassified.join('\n  ')}`);
}

async function throughputPhase(rp: RunPier, batches: number): Promise<ThroughputResult> {
  log(`throughput ${rp.runtime}: ${batches} × RunTask count=10`);
  const quietPct = await waitForQuiet(40, 30_000);
  const b = await launchBatches(rp, batches, 50);
  log(`throughput ${rp.runtime}: all RUNNING after ${(b.wallMs / 1000).toFixed(1)} s; stopping`);
  const stopAllMs = await stopTasks(rp);
  return {
    runtime: rp.runtime, batches, tasks: b.arns.length, allRunningWallMs: b.wallMs,
    tasksPerSecond: b.arns.length / (b.wallMs / 1000), runTaskCallsMs: b.callsMs,
    startedAfterFirstCall: summary(b.startedMs), stopAllMs, pierCpuPct: b.pierCpuPct, machineBusyPct: b.machineBusyPct, quietPct,
  };
}

function printThroughput(rs: readonly ThroughputResult[]): void {
  if (!rs.length) return;
  console.log('\n### 3. launch throughput: RunTask count=10 batches sent back to back, until all RUNNING');
  console.log(markdownTable(
    ['runtime', 'batches', 'tasks', 'RunTask calls ms', 'all RUNNING s', 'tasks/s', 'startedAt p50 s', 'startedAt min s', 'pier CPU %', 'machine busy %', 'busy before %', 'stop all s'],
    rs.map((r) => [r.runtime, String(r.batches), String(r.tasks), fmtMs(r.runTaskCallsMs), (r.allRunningWallMs / 1000).toFixed(2), r.tasksPerSecond.toFixed(2),
      (r.startedAfterFirstCall.p50 / 1000).toFixed(2), (r.startedAfterFirstCall.min / 1000).toFixed(2), r.pierCpuPct.toFixed(0), r.machineBusyPct.toFixed(0),
      r.quietPct?.toFixed(0) ?? '?', (r.stopAllMs / 1000).toFixed(1)]),
    new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])));
  console.log(`(startedAt: seconds after the first RunTask call; CPU and busy in % of one core, the machine has ${machineInfo().nproc * 100}%)`);
}

// ---------------------------------------------------------------------------------------------

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      launches: { type: 'string' },
      'density-tasks': { type: 'string' },
      batches: { type: 'string' },
      runtimes: { type: 'string', default: 'runsc,runc' },
      only: { type: 'string', default: 'latency,density,throughput' },
      'cpu-prof': { type: 'boolean', default: false },
      json: { type: 'string' },
    },
  });
  const q = values.quick === true;
  const o: Options = {
    launches: Number(values.launches ?? (q ? 10 : 50)),
    densityTasks: Number(values['density-tasks'] ?? (q ? 20 : 100)),
    batches: Number(values.batches ?? (q ? 2 : 5)),
    runtimes: values.runtimes!.split(',').filter(Boolean) as Runtime[],
    only: values.only!.split(',').filter(Boolean) as Phase[],
    cpuProf: values['cpu-prof'] === true,
    ...(values.json ? { json: values.json } : {}),
  };
  for (const r of o.runtimes) if (r !== 'runsc' && r !== 'runc') throw new Error(`--runtimes: unknown runtime ${r}`);
  if (o.densityTasks % 10 !== 0) throw new Error('--density-tasks must be a multiple of 10');
  return o;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('agent-tasks needs root (the host agent runs real sandboxes)');
  for (const bin of ['runsc', 'runc', 'skopeo']) if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) throw new Error(`${bin} is not installed`);
  const machine = machineInfo();
  console.log(`machine: ${describeMachine(machine)}`);
  console.log(`runsc: ${spawnSync('runsc', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}; runc: ${spawnSync('runc', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}`);
  console.log(`options: ${JSON.stringify(o)}`);
  const started = performance.now();
  WORK = mkdtempSync(join(tmpdir(), 'pier-bench-agent-raw-'));
  ROOTFS = join(WORK, 'rootfs');
  buildRootfs(ROOTFS);
  let reg: TestRegistry | undefined;
  const latency: LatencyResult[] = [];
  const throughput: ThroughputResult[] = [];
  let density: DensityResult | undefined;
  let failed: unknown;
  try {
    reg = await startRegistry();
    const img = await buildBusyboxImage();
    const { reference } = await pushImage(img, reg, 'bench-busybox:1');
    img.remove();
    log(`image ${reference}`);

    if (o.only.includes('latency')) {
      for (const rt of o.runtimes) {
        const r = await latencyPhase(rt, reference, o);
        latency.push(r);
        printLatency(r);
      }
    }
    if (o.only.includes('density') || o.only.includes('throughput')) {
      for (const rt of o.runtimes) {
        const wantDensity = o.only.includes('density') && rt === 'runsc';
        if (!wantDensity && !o.only.includes('throughput')) continue;
        log(`${wantDensity ? 'density + ' : ''}throughput ${rt}: starting pier`);
        const rp = await startRunPier(rt, reference, o.cpuProf && wantDensity);
        try {
          if (wantDensity) {
            density = await densityPhase(rp, o.densityTasks);
            printDensity(density);
          } else {
            // Warm-up: the image pull.
            await runTasks(rp, 1);
            await rp.ecs.waitAll([...rp.arns], 'RUNNING', 100, 120_000);
            await stopTasks(rp);
          }
          if (o.only.includes('throughput')) throughput.push(await throughputPhase(rp, o.batches));
        } finally {
          await closeRunPier(rp);
          if (rp.profDir) {
            if (density) console.log(`\n${profileWindowTop(rp.profDir, [density.idleWindowUs], 12, `idle, ${density.tasks} tasks running`).join('\n')}`);
            rmSync(rp.profDir, { recursive: true, force: true });
          }
        }
      }
      printThroughput(throughput);
    }
  } catch (err) {
    failed = err;
  } finally {
    for (const rp of [...piers]) await closeRunPier(rp).catch((err: unknown) => log(`closing pier: ${String(err)}`));
    await cleanupRaw();
    const cgLeft = removeCgroupEverywhere(CG);
    await reg?.stop();
    const mine = processesMentioning([WORK, ...(reg ? [reg.dir] : []), 'pier-bench-agent-', ...instanceRoots]);
    rmSync(WORK, { recursive: true, force: true });
    if (leftoverReports.length) console.log(`\nproduct clean-up gaps (removed by this benchmark afterwards):\n${leftoverReports.join('\n')}`);
    const runscLeft = spawnSync('pgrep', ['-a', 'runsc'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l && [WORK, ...instanceRoots].some((n) => l.includes(n)));
    const all = [...stillLeft, ...mine, ...runscLeft, ...cgLeft];
    console.log(`\nclean-up: ${all.length ? `LEFT ON THE HOST:\n${all.join('\n')}` : 'nothing of this run is left (no runsc/runc, shim or pier process, mount, loop device, netns, cgroup or /run/pier dir)'}`);
    console.log(`total run time ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  if (o.json) writeFileSync(o.json, JSON.stringify({ machine, options: o, latency, density, throughput }, null, 2));
  if (failed) throw failed;
}

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  log('interrupted: cleaning up (Ctrl-C again to abandon)');
  void (async () => {
    for (const rp of [...piers]) await closeRunPier(rp).catch(() => undefined);
    await cleanupRaw();
    removeCgroupEverywhere(CG);
    if (WORK) rmSync(WORK, { recursive: true, force: true });
    process.exit(130);
  })();
});

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
