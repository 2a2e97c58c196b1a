/**
 * The host agent: registers this host, heartbeats, long-polls its assignments and drives one
 * TaskRunner per task. It adopts what a previous agent process left running (from the task state
 * files) and cleans up host resources that belong to no task it knows. Stopping the agent never
 * stops tasks: containers run under their own shims and outlive it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { coerceError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Assignment, HostCapacity, TaskReport } from '../protocol/agent.js';
import { ControlPlaneError, type ControlPlaneClient } from './control-plane-client.js';
import { execAgentFor, type ExecTarget } from './exec/exec-agent.js';
import { ContainerStatsCollector, HostStatsSource, statsPlacement } from './endpoint/container-stats.js';
import { TaskEndpointServer } from './endpoint/endpoint-server.js';
import { TaskMetricsReporter } from './metrics/task-metrics-reporter.js';
import { TaskRoleCredentials } from './task-role-credentials.js';
import type { TaskView } from './endpoint/task-metadata.js';
import type { TaskStateStore } from './state/task-state.js';
import type { RunnerDeps } from './task/runner-deps.js';
import { sandboxSpecFor } from './task/prepare.js';
import { TaskRunner } from './task/task-runner.js';

export interface AgentOptions {
  readonly stateDir: string;
  readonly availabilityZone: string;
  readonly capacity: HostCapacity;
  readonly hostname: string;
  readonly runtimes: string[];
  /** Unreferenced image layers are garbage-collected down to this many bytes after each task ends. */
  readonly imageCacheBudgetBytes?: number;
  /** Runs after stop() when no task of this agent is left on the host (removes its empty host dirs). */
  readonly releaseHostDirs?: () => void;
  /** How often running tasks' CPU, memory and network are read and reported (default 15 s). */
  readonly metricsIntervalMs?: number;
  /** The load-balancer role (load-balancer/load-balancer-role.ts): runs this host's listeners until the agent stops. */
  readonly loadBalancer?: { run(signal: AbortSignal): Promise<void> };
}

export class Agent {
  private readonly runners = new Map<string, TaskRunner>();
  private readonly abort = new AbortController();
  private heartbeatMs = 10_000;
  private loops: Promise<unknown>[] = [];
  private readonly roleCredentials = new TaskRoleCredentials((arn) => this.client.taskCredentials(arn));
  private readonly endpoint = new TaskEndpointServer({
    taskByAddress: (ip) => this.taskByAddress(ip),
    credentials: (view, id) => this.roleCredentials.forCaller(view, id),
    stats: { stats: (view, container) => this.containerStats.stats(view, container) },
  });
  private readonly containerStats: ContainerStatsCollector;
  private readonly taskMetrics: TaskMetricsReporter;
  hostId: string | undefined;

  constructor(
    private readonly client: ControlPlaneClient,
    private readonly deps: Omit<RunnerDeps, 'report'>,
    private readonly stateStore: TaskStateStore,
    private readonly opts: AgentOptions,
    private readonly log: Logger,
  ) {
    const placement = statsPlacement(deps.runtime, (taskId) => deps.network.pathFor(taskId), (state) => sandboxSpecFor(this.runnerDeps(), state));
    this.containerStats = new ContainerStatsCollector(new HostStatsSource(placement, deps.clock), { clock: deps.clock });
    this.taskMetrics = new TaskMetricsReporter({
      placement, clock: deps.clock, log, intervalMs: opts.metricsIntervalMs,
      tasks: () => [...this.runners.values()].map((r) => r.view()),
      send: (req) => this.client.reportMetrics(req),
    });
  }

  async start(): Promise<void> {
    mkdirSync(this.opts.stateDir, { recursive: true });
    await this.register();
    if (this.deps.network.setMetadataTarget) await this.deps.network.setMetadataTarget(await this.endpoint.listen());
    await this.adoptAndClean();
    this.loops = [this.heartbeatLoop(), this.assignmentLoop(), this.taskMetrics.run(this.abort.signal)];
    const exec = execAgentFor(this.client, { runtime: this.deps.runtime, target: (arn, name) => this.execTarget(arn, name), log: this.log });
    if (exec) this.loops.push(exec.run(this.abort.signal));
    if (this.opts.loadBalancer) this.loops.push(this.opts.loadBalancer.run(this.abort.signal));
  }

  /** The task running here whose ENI has this address (the metadata endpoint's caller). */
  private taskByAddress(ip: string): TaskView | undefined {
    for (const r of this.runners.values()) {
      const view = r.view();
      if (view.state.assignment.eni?.privateIpv4Address === ip) return view;
    }
    return undefined;
  }

  /** Where an exec session's container runs (ECS Exec), or why it cannot take one. */
  private execTarget(taskArn: string, containerName: string): ExecTarget | string {
    const state = this.runners.get(taskArn)?.view().state;
    if (!state || state.phase !== 'running' || state.stop) return `TargetNotConnectedException: the task ${taskArn} is not running on this host`;
    const c = state.containers.find((x) => x.name === containerName);
    if (!c || c.phase !== 'running') return `InvalidParameterException: the container ${containerName} is not running`;
    return { sandbox: sandboxSpecFor(this.runnerDeps(), state), containerId: c.runtimeId };
  }

  /** Stops the agent's loops and detaches its runners; tasks keep running for the next agent to adopt. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
    for (const r of this.runners.values()) r.detach();
    await this.endpoint.close();
    await this.deps.network.settled?.();
    await this.deps.network.close?.(); // spare namespaces and commands started ahead
    if (this.stateStore.list().length === 0) {
      await this.deps.storage.close?.(); // spare disks: nothing of the agent stays mounted
      this.opts.releaseHostDirs?.();
    }
  }

  /** Waits for every runner that is finishing (tests and clean shutdowns). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.runners.values()].map((r) => r.done));
    await this.deps.network.settled?.();
  }

  private hostFile(): string {
    return join(this.opts.stateDir, 'host.json');
  }

  private async register(): Promise<void> {
    const known = existsSync(this.hostFile()) ? (JSON.parse(readFileSync(this.hostFile(), 'utf8')) as { hostId?: string }).hostId : undefined;
    const request = {
      availabilityZone: this.opts.availabilityZone,
      capacity: this.opts.capacity,
      hostname: this.opts.hostname,
      runtimes: this.opts.runtimes,
    };
    let res;
    try {
      res = await this.client.register({ ...(known ? { hostId: known } : {}), ...request });
    } catch (err) {
      // A host id from another control plane (or a wiped one): join as a new host.
      if (!(known && err instanceof ControlPlaneError && err.status === 404)) throw err;
      this.log.warn('control plane does not know this host id; registering as a new host', { hostId: known });
      res = await this.client.register(request);
    }
    this.hostId = res.hostId;
    this.heartbeatMs = res.heartbeatIntervalSeconds * 1000;
    writeFileSync(this.hostFile(), JSON.stringify({ hostId: res.hostId }));
    this.log.info('agent registered', { hostId: res.hostId, capacity: this.opts.capacity });
  }

  /** Resume tasks a previous agent process was running; remove host state no task owns. */
  private async adoptAndClean(): Promise<void> {
    const known = new Set<string>();
    for (const taskId of this.stateStore.list()) {
      const state = this.stateStore.load(taskId);
      if (!state) continue;
      known.add(taskId);
      this.log.info('adopting task', { taskArn: state.taskArn, phase: state.phase });
      this.track(new TaskRunner(this.runnerDeps(), state));
    }
    const orphans = new Set<string>([
      ...(await this.deps.storage.listTasks()),
      ...(await this.deps.runtime.listSandboxes(this.deps.runtimeDir)),
      ...(await this.deps.network.list()),
    ].filter((id) => !known.has(id)));
    for (const id of orphans) {
      this.log.warn('cleaning up resources of an unknown task', { taskId: id });
      await this.deps.runtime.destroySandbox({ id, dir: join(this.deps.runtimeDir, id), netnsPath: this.deps.network.pathFor(id), cpuUnits: 0, memoryMiB: 0 }).catch(() => undefined);
      await this.deps.storage.destroyTask(id).catch(() => undefined);
      await this.deps.network.destroy(id).catch(() => undefined);
      await this.deps.images.release(id).catch(() => undefined);
    }
    // The firewall of the tasks kept, as they were attached (the kernel may have lost it).
    await this.deps.network.apply?.().catch((err: unknown) => this.log.error('could not load the network rules', { error: coerceError(err).message }));
  }

  private track(runner: TaskRunner): void {
    this.runners.set(runner.taskArn, runner);
    void runner.done.then(async () => {
      if (this.runners.get(runner.taskArn) === runner) {
        this.runners.delete(runner.taskArn);
        this.roleCredentials.forget(runner.taskArn);
      }
      if (this.opts.imageCacheBudgetBytes === undefined || this.abort.signal.aborted) return;
      try {
        const gc = await this.deps.images.garbageCollect(this.opts.imageCacheBudgetBytes);
        if (gc.removedLayers > 0) this.log.info('image layers garbage-collected', gc);
      } catch (err) {
        this.log.warn('image garbage collection failed', { error: coerceError(err).message });
      }
    });
  }

  private runnerDeps(): RunnerDeps {
    return { ...this.deps, report: (arn, r) => this.sendReport(arn, r), shipLogs: (req) => this.client.shipLogs(req), taskSecrets: (arn) => this.client.taskSecrets(arn) };
  }

  private async sendReport(taskArn: string, report: TaskReport): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.report(taskArn, report);
        return true;
      } catch (err) {
        if (err instanceof ControlPlaneError && (err.status === 404 || err.status === 400)) {
          this.log.warn('control plane refused a task report', { taskArn, status: err.status, message: err.message });
          return false;
        }
        if (err instanceof ControlPlaneError && (err.status === 401 || err.status === 409)) await this.register().catch(() => undefined);
        if (attempt >= 8 || this.abort.signal.aborted) {
          this.log.error('could not report task state', { taskArn, lastStatus: report.lastStatus, error: coerceError(err).message });
          return false;
        }
        await delay(Math.min(5000, 100 * 2 ** attempt));
      }
    }
  }

  private async heartbeatLoop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      await delay(this.heartbeatMs, this.abort.signal);
      if (this.abort.signal.aborted) return;
      try {
        await this.client.heartbeat();
      } catch (err) {
        this.log.warn('heartbeat failed', { error: coerceError(err).message });
        if (err instanceof ControlPlaneError && (err.status === 401 || err.status === 409)) await this.register().catch(() => undefined);
      }
    }
  }

  private async assignmentLoop(): Promise<void> {
    let cursor: string | undefined;
    while (!this.abort.signal.aborted) {
      try {
        const res = await this.client.assignments(cursor, 20, this.abort.signal);
        cursor = res.cursor;
        this.apply(res.tasks);
        if (res.networkPolicy) {
          await this.deps.network.setPolicy?.(res.networkPolicy).catch((err: unknown) => {
            this.log.error('could not load the security group rules', { error: coerceError(err).message });
          });
        }
        await this.removeDeletedFileSystems(res.fileSystemIds);
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.log.warn('fetching assignments failed', { error: coerceError(err).message });
        if (err instanceof ControlPlaneError && (err.status === 401 || err.status === 409)) await this.register().catch(() => undefined);
        cursor = undefined;
        await delay(1000, this.abort.signal);
      }
    }
  }

  /** DeleteFileSystem removes the record; the data held on this host goes here. */
  private async removeDeletedFileSystems(existing: string[] | undefined): Promise<void> {
    if (!existing) return;
    const keep = new Set(existing);
    for (const id of await this.deps.volumes.list()) {
      if (keep.has(id)) continue;
      this.log.info('removing data of a deleted file system', { fileSystemId: id });
      await this.deps.volumes.remove(id).catch((err: unknown) => this.log.warn('could not remove file system data', { fileSystemId: id, error: coerceError(err).message }));
    }
  }

  private apply(assignments: Assignment[]): void {
    const assigned = new Set(assignments.map((a) => a.taskArn));
    for (const a of assignments) {
      const runner = this.runners.get(a.taskArn);
      if (runner) {
        runner.update(a);
      } else if (a.lastStatus !== 'STOPPED') {
        const fresh = TaskRunner.fresh(this.runnerDeps(), a);
        this.track(fresh);
        if (a.desiredStatus === 'STOPPED') fresh.update(a);
      }
    }
    // Tasks the control plane no longer gives this host (deleted by a reset, stopped as LOST): stop them here too.
    for (const [arn, runner] of this.runners) {
      if (!assigned.has(arn)) runner.requestStop('TaskFailedToStart', 'The task is no longer assigned to this host.');
    }
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
