/**
 * Container stats for the task metadata endpoint (`/stats`, `/task/stats`): where each runtime
 * leaves a container's numbers on the host, how they are read, and the last sample kept per
 * container so that the next answer carries it as `precpu_stats`.
 *
 * Sampling on request, no timer. ECS's agent samples every running container about once a second
 * whether or not anybody asks; here a request reads the counters (file reads, well under a
 * millisecond) and the sample it replaces becomes the previous one. A sample younger than
 * `minIntervalMs` (1 s, ECS's cadence) is answered again instead of read anew, so a client polling
 * in a loop costs at most one read per container per second and never sees a zero-length interval
 * (host CPU time moves in 10 ms ticks: two reads a few ms apart would divide by zero). An idle
 * task costs nothing, and nothing has to be started or stopped with tasks. The price is that the
 * first answer has no previous sample (zeros and Go's zero time, as Docker's first sample), and
 * `precpu_stats` spans the time since the caller's last read rather than one second.
 *
 * Where the numbers are (measured on these hosts, cgroup v1; the cgroup2 files are read where a
 * controller has no v1 hierarchy):
 * - runc: each container has its own cgroup `<task cgroup>/<container id>`: everything comes from
 *   it; the memory limit is the lower of its own and the task's.
 * - runsc, one container (the sandbox's root, the default): the task cgroup holds the sandbox and
 *   nothing else, so the container's numbers are the task cgroup's. They include gVisor's own cost
 *   (its kernel, gofer and, under ptrace, the stub processes), which is what the task's limits
 *   apply to; pids_stats counts those host threads, not the processes inside the sandbox.
 * - runsc, several containers: the app processes run inside the sandbox's kernel and nothing of a
 *   single container is visible on the host (the `<task>/<id>` cgroups stay empty: the gofers and
 *   the sandbox are in the task cgroup). CPU time and pid count come from the sandbox itself,
 *   `runsc events --stats <id>` (≈ 85 ms and ≈ 37 ms of CPU per call here, hence the 1 s reuse
 *   window); memory, its limit and CPU throttling are the task cgroup's, the same for every
 *   container (gVisor reports memory per sandbox only); block I/O is not reported.
 * Network counters are the task's ENI (awsvpc: one interface per task, as on Fargate, where every
 * container's stats show the task's network), read from inside its namespace.
 *
 * A container that is not running has no stats, as in ECS, whose agent drops a container's stats
 * when it stops: `/task/stats` gives it `{}` and `/stats` a 500.
 */
import { totalmem } from 'node:os';
import type { Clock } from '../../lib/clock.js';
import { runCommand } from '../host/exec.js';
import type { OciRuntime, SandboxSpec } from '../runtime/oci-runtime.js';
import { RuncRuntime } from '../runtime/runc.js';
import { RunscRuntime } from '../runtime/runsc.js';
import type { LocalContainer, LocalTaskState } from '../state/task-state.js';
import { HostCounters, type CgroupCounters } from './host-counters.js';
import type { StatsPair, StatsSample } from './stats-format.js';
import { parseRunscEvent } from './stats-parse.js';
import type { TaskView } from './task-metadata.js';

/** Where a runtime puts a task's processes on the host. */
export interface StatsPlacement {
  /** 'container-cgroups': each container has a cgroup below the task's (runc); 'gvisor-sandbox': runsc. */
  readonly layout: 'container-cgroups' | 'gvisor-sandbox' | 'none';
  /** The task cgroup, as a path below each hierarchy's mount point. */
  taskCgroup(taskId: string): string | undefined;
  /** The task's network namespace (its ENI). */
  netnsPath(taskId: string): string;
  /** argv that prints `runsc events --stats` for one container of the task (gvisor-sandbox). */
  sandboxEventsArgv?(state: LocalTaskState, containerId: string): string[];
}

export function statsPlacement(runtime: OciRuntime, netnsPath: (taskId: string) => string, sandboxOf: (state: LocalTaskState) => SandboxSpec): StatsPlacement {
  if (runtime instanceof RunscRuntime) {
    return {
      layout: 'gvisor-sandbox', netnsPath, taskCgroup: (id) => runtime.taskCgroup(id),
      sandboxEventsArgv: (state, containerId) => runtime.command(['events', '--stats', containerId], sandboxOf(state)),
    };
  }
  if (runtime instanceof RuncRuntime) return { layout: 'container-cgroups', netnsPath, taskCgroup: (id) => runtime.taskCgroup(id) };
  return { layout: 'none', netnsPath, taskCgroup: () => undefined };
}

/** Reads one sample of a running container's counters; undefined when none can be read. */
export interface SampleSource {
  read(view: TaskView, container: LocalContainer): Promise<StatsSample | undefined>;
}

/** The only shape the endpoint server relies on. */
export interface ContainerStatsProvider {
  /** The container's newest sample and the one before it; undefined when it has no stats (not running). */
  stats(view: TaskView, container: LocalContainer): Promise<StatsPair | undefined>;
}

type EventsRunner = (argv: string[]) => Promise<string | undefined>;

const runEvents: EventsRunner = async (argv) => {
  const r = await runCommand(argv, { timeoutMs: 5_000, maxOutputBytes: 64 * 1024 });
  return r.status === 0 ? r.stdout : undefined;
};

export class HostStatsSource implements SampleSource {
  constructor(
    private readonly placement: StatsPlacement,
    private readonly clock: Clock,
    private readonly host = new HostCounters(),
    private readonly events: EventsRunner = runEvents,
    private readonly hostMemory = totalmem(),
  ) {}

  async read(view: TaskView, container: LocalContainer): Promise<StatsSample | undefined> {
    const { taskId } = view.state;
    const task = this.placement.taskCgroup(taskId);
    if (!task) return undefined;
    const counters = await this.containerCounters(view.state, container, task);
    if (!counters) return undefined;
    // Read right after the cgroup, so the two CPU figures cover the same interval.
    const readAtMs = this.clock.now();
    const systemCpuNs = this.host.systemCpuNs();
    const onlineCpus = this.host.onlineCpus();
    const networks = this.host.networks(this.placement.netnsPath(taskId), this.host.pids(task));
    return {
      readAtMs, ...counters,
      ...(systemCpuNs !== undefined ? { systemCpuNs } : {}),
      ...(onlineCpus !== undefined ? { onlineCpus } : {}),
      ...(networks ? { networks } : {}),
    };
  }

  private async containerCounters(state: LocalTaskState, container: LocalContainer, task: string): Promise<CgroupCounters | undefined> {
    const id = container.runtimeId;
    if (this.placement.layout === 'container-cgroups') {
      const own = this.host.cgroup(`${task}/${id}`);
      if (!own.cpu && !own.memory) return undefined;
      return this.limited(own, this.host.memoryLimit(task));
    }
    const whole = this.host.cgroup(task);
    if (!whole.cpu && !whole.memory) return undefined;
    if (state.containers.length === 1) return this.limited(whole);
    const argv = this.placement.sandboxEventsArgv?.(state, id);
    const event = argv ? parseRunscEvent((await this.events(argv)) ?? '') : undefined;
    if (event?.cpuNs === undefined) return undefined;
    const throttling = whole.cpu?.throttling;
    return this.limited({
      cpu: { totalNs: event.cpuNs, ...(throttling ? { throttling } : {}) },
      ...(event.pids !== undefined ? { pids: { current: event.pids } } : {}),
      ...(whole.memory ? { memory: whole.memory } : {}),
    });
  }

  /** The memory limit as the container meets it: the lowest of its cgroup's, the task's and the host's. */
  private limited(c: CgroupCounters, taskLimit?: number): CgroupCounters {
    if (!c.memory) return c;
    const limit = Math.min(c.memory.limit ?? Infinity, taskLimit ?? Infinity, this.hostMemory);
    return { ...c, memory: { ...c.memory, limit } };
  }
}

export interface StatsCollectorOptions {
  clock: Clock;
  /** A sample younger than this is answered again instead of read anew. Default 1000 ms. */
  minIntervalMs?: number;
  /** A container's samples are forgotten when not read for this long. Default 10 min. */
  forgetAfterMs?: number;
}

/** Keeps each running container's last sample; see the header for why sampling is on request. */
export class ContainerStatsCollector implements ContainerStatsProvider {
  private readonly last = new Map<string, StatsPair>();
  private readonly reading = new Map<string, Promise<StatsPair | undefined>>();
  private readonly clock: Clock;
  private readonly minIntervalMs: number;
  private readonly forgetAfterMs: number;

  constructor(private readonly source: SampleSource, opts: StatsCollectorOptions) {
    this.clock = opts.clock;
    this.minIntervalMs = opts.minIntervalMs ?? 1000;
    this.forgetAfterMs = opts.forgetAfterMs ?? 10 * 60_000;
  }

  async stats(view: TaskView, container: LocalContainer): Promise<StatsPair | undefined> {
    // A restarted container (restartPolicy) keeps its id but starts its counters again.
    const key = `${container.runtimeId}@${container.startedAtMs ?? 0}`;
    if (container.phase !== 'running') {
      this.last.delete(key);
      return undefined;
    }
    const last = this.last.get(key);
    if (last && this.clock.now() - last.current.readAtMs < this.minIntervalMs) return last;
    // Concurrent requests share one read: two reads would make each other's previous sample.
    const pending = this.reading.get(key);
    if (pending) return pending;
    const read = this.sample(key, view, container, last).finally(() => this.reading.delete(key));
    this.reading.set(key, read);
    return read;
  }

  private async sample(key: string, view: TaskView, container: LocalContainer, last: StatsPair | undefined): Promise<StatsPair | undefined> {
    const current = await this.source.read(view, container);
    if (!current) {
      this.last.delete(key);
      return undefined;
    }
    const prev = last?.current;
    const reset = prev?.cpu && current.cpu && current.cpu.totalNs < prev.cpu.totalNs;
    const pair: StatsPair = prev && !reset ? { current, previous: prev } : { current };
    for (const [k, p] of this.last) if (current.readAtMs - p.current.readAtMs > this.forgetAfterMs) this.last.delete(k);
    this.last.set(key, pair);
    return pair;
  }
}
