/**
 * Runtime baseline: how long from "start" until a container is RUNNING (its process has written a
 * file on a bind-mounted host dir), raw runtime vs Pier's runtime classes, and what an idle
 * sandbox and Pier's shim cost in memory. Needs root, runsc, runc and busybox-static.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/run-task-baseline.js [--launches 50] [--json out.json]
 *
 * Variants (each launch gets a fresh netns, made before the clock starts):
 * - raw runsc:   `runsc run` of a ready bundle (single container, --network=sandbox in the netns,
 *                the same flags and /proc/sys/net wrapper Pier uses).
 * - pier runsc:  RunscRuntime.createSandbox + startContainer, both layouts: one container as the
 *                sandbox's root (what the agent does for one-container tasks), and a pause
 *                sandbox the container joins (tasks of several containers).
 * - raw runc:    `runc run` of a ready bundle in the netns.
 * - pier runc:   RuncRuntime.createSandbox + startContainer.
 * The clock stops when the ready file appears (polled every 1 ms). Launches are sequential;
 * teardown is untimed and concurrent.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCommand } from '../src/agent/host/exec.js';
import { createNetns, deleteNetns } from '../src/agent/host/netns.js';
import { pidsIn, removeCgroupTree } from '../src/agent/runtime/cgroup.js';
import type { ContainerSpec, OciRuntime, SandboxSpec } from '../src/agent/runtime/oci-runtime.js';
import { RuncRuntime } from '../src/agent/runtime/runc.js';
import { RunscRuntime } from '../src/agent/runtime/runsc.js';
import { buildOciSpec, taskResources } from '../src/agent/runtime/spec.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { fmtMs, markdownTable, percentile } from './lib/stats.js';
import { pss, tree } from './lib/procs.js';

const BUSYBOX = '/usr/bin/busybox';
const CG = `/pier-bench-${process.pid}`;

interface Launch { ms: number; cleanup: () => Promise<void> }
interface Variant { name: string; launch: (i: number) => Promise<Launch> }

let WORK = '';
let ROOTFS = '';

function buildRootfs(dir: string): void {
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'data']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(BUSYBOX, join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  for (const a of spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).stdout.split('\n')) if (a && a !== 'busybox') symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
}

async function waitForFile(path: string, timeoutMs = 30_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!existsSync(path)) {
    if (performance.now() > end) throw new Error(`${path} did not appear in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

interface Fixture { id: string; netns: string; netnsPath: string; base: string; data: string; dir: string; sandbox: SandboxSpec; container: ContainerSpec }

async function fixture(stateDir: string, initBinary?: string, sole = false): Promise<Fixture> {
  const id = randomBytes(16).toString('hex');
  const netns = `pier-b-${id.slice(0, 10)}`;
  const netnsPath = await createNetns(netns);
  const base = join(WORK, 'tasks', id);
  const data = join(base, 'data');
  const dir = join(base, 'c0');
  mkdirSync(data, { recursive: true });
  mkdirSync(dir, { recursive: true });
  const cid = `${id}-0`;
  const oci = buildOciSpec({
    taskId: id, runtimeId: cid,
    container: { name: 'app', command: ['sh', '-c', 'echo up > /data/ready; exec sleep 100000'], readonlyRootFilesystem: true },
    image: { Env: ['PATH=/bin'] }, rootfs: ROOTFS,
    mounts: [{ source: data, destination: '/data', readOnly: false }],
    injectedEnv: {}, environmentFiles: {}, netnsPath, hostname: 'bench', taskLimits: { cpuUnits: 256, memoryMiB: 512 },
    ...(initBinary ? { initBinary } : {}),
  });
  const sandbox: SandboxSpec = { id, dir: join(stateDir, id), netnsPath, cpuUnits: 256, memoryMiB: 512, hostname: 'bench', ...(sole ? { soleContainerId: cid } : {}) };
  return { id, netns, netnsPath, base, data, dir, sandbox, container: { id: cid, dir, oci } };
}

async function dropFixture(f: Fixture): Promise<void> {
  await deleteNetns(f.netns);
  rmSync(f.base, { recursive: true, force: true });
}

function pierVariant(name: string, rt: OciRuntime, stateDir: string, sole = false): Variant {
  return {
    name,
    async launch() {
      const f = await fixture(stateDir, undefined, sole);
      const t0 = performance.now();
      await rt.createSandbox(f.sandbox);
      await rt.startContainer(f.sandbox, f.container);
      await waitForFile(join(f.data, 'ready'));
      const ms = performance.now() - t0;
      return { ms, cleanup: async () => { await rt.destroySandbox(f.sandbox); await dropFixture(f); } };
    },
  };
}

/** A bundle for the raw runtime: the same container spec, standalone, limits of the task on it. */
function rawBundle(f: Fixture, cgroupsPath: string): void {
  const oci = structuredClone(f.container.oci) as ReturnType<typeof buildOciSpec>;
  oci.linux.cgroupsPath = cgroupsPath;
  oci.linux.resources = taskResources(256, 512);
  oci.process.rlimits = []; // runc cannot raise nofile past the host's hard limit here
  writeFileSync(join(f.dir, 'config.json'), JSON.stringify(oci));
}

function runscRawVariant(runsc: RunscRuntime): Variant {
  return {
    name: 'raw runsc run',
    async launch() {
      const f = await fixture(join(WORK, 'raw'));
      const cg = `${CG}/raw-runsc/${f.id}`;
      rawBundle(f, cg);
      const t0 = performance.now();
      const child = spawn(runsc.command(['run', '--bundle', f.dir, f.id])[0]!, runsc.command(['run', '--bundle', f.dir, f.id]).slice(1), { stdio: 'ignore' });
      await waitForFile(join(f.data, 'ready'));
      const ms = performance.now() - t0;
      return {
        ms,
        cleanup: async () => {
          await runCommand(runsc.command(['kill', f.id, 'KILL']));
          await exited(child);
          await runCommand(runsc.command(['delete', '-force', f.id]));
          removeCgroupTree(cg);
          await dropFixture(f);
        },
      };
    },
  };
}

function runcRawVariant(root: string): Variant {
  return {
    name: 'raw runc run',
    async launch() {
      const f = await fixture(join(WORK, 'raw'));
      const cg = `${CG}/raw-runc/${f.id}`;
      rawBundle(f, cg);
      const t0 = performance.now();
      const child = spawn('runc', ['--root', root, 'run', '--bundle', f.dir, f.id], { stdio: 'ignore' });
      await waitForFile(join(f.data, 'ready'));
      const ms = performance.now() - t0;
      return {
        ms,
        cleanup: async () => {
          await runCommand(['runc', '--root', root, 'kill', f.id, 'KILL']);
          await exited(child);
          await runCommand(['runc', '--root', root, 'delete', '--force', f.id]);
          removeCgroupTree(cg);
          await dropFixture(f);
        },
      };
    },
  };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

async function inBatches<T>(items: readonly T[], size: number, fn: (t: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

async function measure(v: Variant, n: number): Promise<Float64Array> {
  const launches: Launch[] = [];
  try {
    await v.launch(-1).then((l) => l.cleanup()); // warm-up (page cache, pause rootfs)
    for (let i = 0; i < n; i++) launches.push(await v.launch(i));
  } finally {
    await inBatches(launches, 8, (l) => l.cleanup().catch((err: unknown) => console.error(`${v.name} cleanup:`, err)));
  }
  return Float64Array.from(launches.map((l) => l.ms)).sort();
}


const comm = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
};

interface MemoryReport { label: string; pssKiB: number; anonKiB: number; processes: string }

/**
 * Memory per idle task (one container), averaged over `tasks` tasks running at once: PSS splits
 * shared pages (the runsc/runc binaries' text) between the processes mapping them, so one task
 * alone overstates what each further task costs. Pss_Anon is the part no other process shares.
 */
async function memory(rt: RunscRuntime | RuncRuntime, stateDir: string, tasks: number): Promise<MemoryReport[]> {
  const fixtures: Fixture[] = [];
  try {
    for (let i = 0; i < tasks; i++) {
      const f = await fixture(stateDir, undefined, rt.name === 'runsc'); // what the agent does for one container
      fixtures.push(f);
      await rt.createSandbox(f.sandbox);
      await rt.startContainer(f.sandbox, f.container);
      await waitForFile(join(f.data, 'ready'));
    }
    await new Promise((r) => setTimeout(r, 2000)); // idle
    const groups = { task: [] as number[], shim: [] as number[], waiter: [] as number[] };
    for (const f of fixtures) {
      const shimPid = Number(readFileSync(join(f.dir, 'shim.pid'), 'utf8'));
      const task = pidsIn(rt.taskCgroup(f.id));
      groups.task.push(...task);
      groups.shim.push(shimPid);
      groups.waiter.push(...tree(shimPid).slice(1).filter((p) => !task.includes(p)));
    }
    const report = (label: string, pids: number[]): MemoryReport => {
      const m = pids.map(pss);
      return {
        label, pssKiB: m.reduce((s, x) => s + x.pss, 0) / tasks, anonKiB: m.reduce((s, x) => s + x.anon, 0) / tasks,
        processes: `${pids.length / tasks} per task: ${[...new Set(pids.map(comm))].join(', ')}`,
      };
    };
    return [
      report(`${rt.name}: task cgroup (${rt.name === 'runsc' ? 'sandbox: sentry, gofers, stubs' : 'the container'})`, groups.task),
      report(`${rt.name}: Pier shim (sh)`, groups.shim),
      report(`${rt.name}: \`${rt.name} run\` under the shim`, groups.waiter),
    ];
  } finally {
    await Promise.all(fixtures.map(async (f) => {
      await rt.destroySandbox(f.sandbox).catch(() => undefined);
      await dropFixture(f);
    }));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { launches: { type: 'string', default: '50' }, json: { type: 'string' } } });
  const n = Number(values.launches);
  if (process.getuid?.() !== 0) throw new Error('run-task-baseline needs root');
  for (const bin of ['runsc', 'runc']) if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) throw new Error(`${bin} is not installed`);
  WORK = mkdtempSync(join(tmpdir(), 'pier-bench-rt-'));
  ROOTFS = join(WORK, 'rootfs');
  buildRootfs(ROOTFS);
  const runsc = new RunscRuntime({ root: join(WORK, 'runsc-root'), stateDir: join(WORK, 'runsc-state'), cgroupParent: `${CG}/runsc` });
  const runc = new RuncRuntime({ root: join(WORK, 'runc-root'), cgroupParent: `${CG}/runc` });
  const variants: Variant[] = [
    runscRawVariant(runsc),
    pierVariant('pier RunscRuntime, one container: it is the sandbox root', runsc, join(WORK, 'sb-runsc'), true),
    pierVariant('pier RunscRuntime, pause sandbox + joining container (tasks of 2+)', runsc, join(WORK, 'sb-runsc')),
    runcRawVariant(join(WORK, 'runc-raw-root')),
    pierVariant('pier RuncRuntime', runc, join(WORK, 'sb-runc')),
  ];
  const machine = machineInfo();
  console.log(`machine: ${describeMachine(machine)}`);
  console.log(`runsc: ${spawnSync('runsc', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}; runc: ${spawnSync('runc', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}`);
  console.log(`launches per variant: ${n} (sequential, after one warm-up)\n`);
  const results: { name: string; n: number; p50: number; p90: number; p99: number; min: number; max: number; mean: number }[] = [];
  try {
    for (const v of variants) {
      const s = await measure(v, n);
      const mean = s.reduce((a, b) => a + b, 0) / s.length;
      results.push({ name: v.name, n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), min: s[0]!, max: s[s.length - 1]!, mean });
      console.error(`${v.name}: done`);
    }
    console.log('time from start to RUNNING (ms)');
    console.log(markdownTable(['variant', 'n', 'p50', 'p90', 'p99', 'min', 'max', 'mean'],
      results.map((r) => [r.name, String(r.n), fmtMs(r.p50), fmtMs(r.p90), fmtMs(r.p99), fmtMs(r.min), fmtMs(r.max), fmtMs(r.mean)]), new Set([1, 2, 3, 4, 5, 6, 7])));
    const memTasks = 5;
    const mem = [...await memory(runsc, join(WORK, 'sb-runsc'), memTasks), ...await memory(runc, join(WORK, 'sb-runc'), memTasks)];
    console.log(`\nmemory per idle task with one container, ${memTasks} tasks running (PSS from /proc/<pid>/smaps_rollup)`);
    console.log(markdownTable(['what', 'PSS MiB', 'of it anon MiB', 'processes'],
      mem.map((m) => [m.label, (m.pssKiB / 1024).toFixed(2), (m.anonKiB / 1024).toFixed(2), m.processes]), new Set([1, 2])));
    if (values.json) writeFileSync(values.json, JSON.stringify({ machine, launches: n, results, memory: mem }, null, 2));
  } finally {
    removeCgroupTree(CG);
    rmSync(WORK, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
