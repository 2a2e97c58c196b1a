import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import type { LocalContainer, LocalTaskState } from '../state/task-state.js';
import { ContainerStatsCollector, HostStatsSource, type SampleSource, type StatsPlacement } from './container-stats.js';
import { HostCounters } from './host-counters.js';
import * as fx from './stats-fixtures.js';
import type { StatsSample } from './stats-format.js';
import type { TaskView } from './task-metadata.js';

const TASK = '0123456789abcdef0123456789abcdef';
const MiB = 2 ** 20;

function container(i: number, over: Partial<LocalContainer> = {}): LocalContainer {
  return { name: `c${i}`, runtimeId: `${TASK}-${i}`, dir: '/nowhere', phase: 'running', essential: true, restartCount: 0, startedAtMs: 1, ...over };
}

function view(containers: LocalContainer[]): TaskView {
  return { state: { taskId: TASK, containers } as unknown as LocalTaskState, health: new Map() };
}

/** A fake host: v1 hierarchies, /proc and sysfs files under a temp dir, filled from the captured fixtures. */
class FakeHost {
  readonly root = mkdtempSync(join(tmpdir(), 'pier-stats-'));

  constructor() {
    this.write('/proc/self/mountinfo', ['cpu', 'cpuacct', 'memory', 'pids', 'blkio']
      .map((c, i) => `${31 + i} 30 0:${28 + i} / /sys/fs/cgroup/${c} rw,relatime - cgroup cgroup rw,${c}`).join('\n'));
    this.write('/proc/stat', fx.PROC_STAT);
    this.write('/sys/devices/system/cpu/online', fx.CPU_ONLINE);
  }

  write(path: string, text: string): void {
    mkdirSync(dirname(this.root + path), { recursive: true });
    writeFileSync(this.root + path, text);
  }

  /** A cgroup with the captured files; `limit` overrides memory.limit_in_bytes. */
  cgroup(path: string, opts: { limit?: string; usage?: string; procs?: number[] } = {}): void {
    const at = (c: string, f: string, t: string): void => this.write(`/sys/fs/cgroup/${c}${path}/${f}`, t);
    at('cpuacct', 'cpuacct.usage', fx.CPUACCT_USAGE);
    at('cpuacct', 'cpuacct.usage_percpu', fx.CPUACCT_USAGE_PERCPU);
    at('cpuacct', 'cpuacct.usage_user', fx.CPUACCT_USAGE_USER);
    at('cpuacct', 'cpuacct.usage_sys', fx.CPUACCT_USAGE_SYS);
    at('cpu', 'cpu.stat', fx.CPU_STAT_V1);
    at('memory', 'memory.usage_in_bytes', opts.usage ?? fx.MEMORY_USAGE_IN_BYTES);
    at('memory', 'memory.max_usage_in_bytes', fx.MEMORY_MAX_USAGE_IN_BYTES);
    at('memory', 'memory.limit_in_bytes', opts.limit ?? fx.MEMORY_LIMIT_IN_BYTES);
    at('memory', 'memory.stat', fx.MEMORY_STAT_V1);
    at('memory', 'cgroup.procs', (opts.procs ?? []).join('\n'));
    at('pids', 'pids.current', '3\n');
    at('pids', 'pids.max', fx.PIDS_MAX);
    at('blkio', 'blkio.throttle.io_service_bytes_recursive', fx.BLKIO_SERVICE_BYTES_V1);
  }

  /** The netns file, and processes: `inside` in it, `outside` in another namespace. */
  netns(path: string, inside: number[], outside: number[]): void {
    this.write(path, '');
    const ino = statSync(this.root + path).ino;
    for (const [pids, link] of [[inside, `net:[${ino}]`], [outside, 'net:[1]']] as const) {
      for (const pid of pids) {
        mkdirSync(`${this.root}/proc/${pid}/ns`, { recursive: true });
        symlinkSync(link, `${this.root}/proc/${pid}/ns/net`);
        this.write(`/proc/${pid}/net/dev`, fx.NET_DEV_HOST);
      }
    }
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

const hosts: FakeHost[] = [];
after(() => hosts.forEach((h) => h.remove()));

function fakeHost(): FakeHost {
  const h = new FakeHost();
  hosts.push(h);
  return h;
}

const placement = (layout: StatsPlacement['layout'], argv?: string[]): StatsPlacement => ({
  layout, taskCgroup: (id) => `/pier/test/${id}`, netnsPath: (id) => `/run/netns/p-${id}`,
  ...(argv ? { sandboxEventsArgv: () => argv } : {}),
});

describe('HostStatsSource: where each runtime leaves a container\'s numbers', () => {
  test('runc: the container\'s own cgroup, limited by the task\'s; the ENI through a process in the task\'s namespace', async () => {
    const host = fakeHost();
    host.cgroup(`/pier/test/${TASK}`, { procs: [40] });
    host.cgroup(`/pier/test/${TASK}/${TASK}-0`, { limit: '9223372036854771712\n', usage: '1048576\n', procs: [41, 42] });
    host.netns(`/run/netns/p-${TASK}`, [42], [41]);
    const clock = new ManualClock();
    const src = new HostStatsSource(placement('container-cgroups'), clock, new HostCounters(host.root), undefined, 64 * 2 ** 30);
    const s = (await src.read(view([container(0)]), container(0)))!;
    assert.equal(s.readAtMs, clock.now());
    assert.equal(s.memory!.usage, 1048576, 'the container cgroup, not the task\'s');
    assert.equal(s.memory!.limit, 512 * MiB, 'no limit of its own: the task\'s');
    assert.equal(s.cpu!.totalNs, 608719789);
    assert.equal(s.systemCpuNs, 17675070000000);
    assert.equal(s.onlineCpus, 2);
    assert.deepEqual(Object.keys(s.networks!), ['ifb0', 'ifb1', 'eth0'], 'read through pid 42 (in the namespace), loopback left out');
    assert.deepEqual(s.pids, { current: 3, limit: 1024 });
  });

  test('runc: a container whose cgroup is gone has no sample', async () => {
    const host = fakeHost();
    host.cgroup(`/pier/test/${TASK}`);
    const src = new HostStatsSource(placement('container-cgroups'), new ManualClock(), new HostCounters(host.root));
    assert.equal(await src.read(view([container(0)]), container(0)), undefined);
  });

  test('runsc, one container: the task cgroup (the sandbox); the host\'s memory when smaller than every limit', async () => {
    const host = fakeHost();
    host.cgroup(`/pier/test/${TASK}`, { procs: [50] });
    const src = new HostStatsSource(placement('gvisor-sandbox'), new ManualClock(), new HostCounters(host.root), undefined, 256 * MiB);
    const s = (await src.read(view([container(0)]), container(0)))!;
    assert.equal(s.memory!.usage, 425984);
    assert.equal(s.memory!.limit, 256 * MiB);
    assert.equal(s.networks, undefined, 'no process in the (missing) namespace: no network figures');
  });

  test('runsc, several containers: CPU and pids from `runsc events --stats`, memory and throttling from the task cgroup', async () => {
    const host = fakeHost();
    host.cgroup(`/pier/test/${TASK}`);
    const ran: string[][] = [];
    const events = async (argv: string[]): Promise<string> => {
      ran.push(argv);
      return fx.RUNSC_EVENTS_STATS;
    };
    const src = new HostStatsSource(placement('gvisor-sandbox', ['runsc', 'events', '--stats', 'x']), new ManualClock(), new HostCounters(host.root), events);
    const s = (await src.read(view([container(0), container(1)]), container(1)))!;
    assert.deepEqual(ran, [['runsc', 'events', '--stats', 'x']]);
    assert.deepEqual(s.cpu, { totalNs: 4380198647, throttling: { periods: 27, throttledPeriods: 24, throttledNs: 1414773359 } });
    assert.deepEqual(s.pids, { current: 3 });
    assert.equal(s.memory!.usage, 425984);
    assert.equal(s.blkio, undefined);
    const failing = new HostStatsSource(placement('gvisor-sandbox', ['runsc']), new ManualClock(), new HostCounters(host.root), async () => undefined);
    assert.equal(await failing.read(view([container(0), container(1)]), container(1)), undefined, 'runsc could not answer: no sample');
  });

  test('a runtime that keeps no cgroups (fake) gives no samples', async () => {
    const src = new HostStatsSource(placement('none'), new ManualClock(), new HostCounters(fakeHost().root));
    assert.equal(await src.read(view([container(0)]), container(0)), undefined);
  });
});

/** A source whose CPU counter moves 100 ms per read. */
class CountingSource implements SampleSource {
  reads = 0;
  constructor(private readonly clock: ManualClock, private readonly gate?: Promise<void>) {}
  async read(): Promise<StatsSample | undefined> {
    this.reads++;
    await this.gate;
    return { readAtMs: this.clock.now(), cpu: { totalNs: this.reads * 100_000_000 } };
  }
}

describe('ContainerStatsCollector: the previous sample, on request', () => {
  test('the first answer has no previous sample; one read later than a second has the first as previous', async () => {
    const clock = new ManualClock();
    const src = new CountingSource(clock);
    const c = new ContainerStatsCollector(src, { clock });
    const first = (await c.stats(view([container(0)]), container(0)))!;
    assert.equal(first.previous, undefined);
    clock.advance(1500);
    const second = (await c.stats(view([container(0)]), container(0)))!;
    assert.equal(second.previous, first.current);
    assert.equal(second.current.cpu!.totalNs, 200_000_000);
  });

  test('within a second the same pair is answered again, without reading', async () => {
    const clock = new ManualClock();
    const src = new CountingSource(clock);
    const c = new ContainerStatsCollector(src, { clock });
    const a = await c.stats(view([container(0)]), container(0));
    clock.advance(999);
    assert.equal(await c.stats(view([container(0)]), container(0)), a);
    assert.equal(src.reads, 1);
  });

  test('concurrent requests share one read', async () => {
    const clock = new ManualClock();
    let open!: () => void;
    const src = new CountingSource(clock, new Promise<void>((r) => (open = r)));
    const c = new ContainerStatsCollector(src, { clock });
    const both = Promise.all([c.stats(view([container(0)]), container(0)), c.stats(view([container(0)]), container(0))]);
    open();
    const [x, y] = await both;
    assert.equal(x, y);
    assert.equal(src.reads, 1);
  });

  test('a container that is not running has no stats, and its last sample is dropped', async () => {
    const clock = new ManualClock();
    const c = new ContainerStatsCollector(new CountingSource(clock), { clock });
    await c.stats(view([container(0)]), container(0));
    assert.equal(await c.stats(view([container(0)]), container(0, { phase: 'exited', exitCode: 0 })), undefined);
    clock.advance(2000);
    assert.equal((await c.stats(view([container(0)]), container(0)))!.previous, undefined);
  });

  test('a restarted container (new start time) or counters that went back start without a previous sample', async () => {
    const clock = new ManualClock();
    const c = new ContainerStatsCollector(new CountingSource(clock), { clock });
    await c.stats(view([container(0)]), container(0));
    clock.advance(2000);
    assert.equal((await c.stats(view([container(0)]), container(0, { startedAtMs: 5 })))!.previous, undefined);

    let total = 900;
    const resetting: SampleSource = { read: async () => ({ readAtMs: clock.now(), cpu: { totalNs: (total -= 500) } }) };
    const r = new ContainerStatsCollector(resetting, { clock });
    await r.stats(view([container(0)]), container(0));
    clock.advance(2000);
    assert.equal((await r.stats(view([container(0)]), container(0)))!.previous, undefined);
  });

  test('samples not read for longer than forgetAfterMs are forgotten', async () => {
    const clock = new ManualClock();
    const c = new ContainerStatsCollector(new CountingSource(clock), { clock, forgetAfterMs: 60_000 });
    await c.stats(view([container(0)]), container(0));
    clock.advance(61_000);
    await c.stats(view([container(1)]), container(1));
    clock.advance(1000);
    assert.equal((await c.stats(view([container(0)]), container(0)))!.previous, undefined);
  });
});
