/**
 * runc: namespaces and cgroups only, no kernel of its own. Each container is its own runc
 * container; the "sandbox" is the task's netns (which every container joins) plus the task
 * cgroup `<cgroupParent>/<taskId>` carrying the task limits, with each container's cgroup below it
 * carrying the container's limits.
 *
 * The task's CPU quota (cpu.cfs_quota_us) reaches the task cgroup only once a container of it
 * runs; until then each container carries it in its own cgroup. Under a parent that already has
 * it, `runc init` (the mounts, pivot_root, …) runs throttled to the task's CPU (a quarter of a
 * core for 256 units) and a start took 30-40 ms longer here; runc itself applies a container's
 * own limits only after that set-up, just before the process runs, as a raw `runc run` does
 * (spec.ts `withoutCpuQuota`).
 *
 * The shim runs `runc run --keep`, so after the container ends its cgroup is still there to read
 * the OOM counter from; the shim then runs `runc delete` and records the exit status. runc writes
 * its own errors to `<containerDir>/runtime.log` (JSON lines), which is how a start failure is told
 * apart from a process that exited.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../host/exec.js';
import { childCgroups, ensureCgroup, oomControlFile, pidsIn, removeCgroupTreeSettled } from './cgroup.js';
import type { ContainerSpec, ExecOptions, SandboxSpec } from './oci-runtime.js';
import { registeredContainers, sandboxDirIds, writeSandboxRecord } from './sandbox-files.js';
import { pidAlive, type ShimLaunch } from './shim.js';
import { killAndWait, ShimRuntime, type RuntimeState, type ShimRuntimeOptions } from './shim-runtime.js';
import { readTail } from './tail.js';
import { clampRlimitsToHost } from './host-limits.js';
import { taskResources, withoutCpuQuota, type OciNamespace, type OciResources, type OciRlimit } from './spec.js';

export interface RuncOptions extends ShimRuntimeOptions {
  /** runc's --root. Default /run/pier/runc. */
  root?: string;
  runcPath?: string;
  /** Task cgroups go under this path in every hierarchy. Default /pier/runc. */
  cgroupParent?: string;
}

interface RuncStateFile {
  init_process_pid?: number;
}

export class RuncRuntime extends ShimRuntime {
  readonly name = 'runc';
  readonly root: string;
  readonly cgroupParent: string;
  private readonly runc: string;

  constructor(opts: RuncOptions = {}) {
    super(opts);
    this.root = opts.root ?? '/run/pier/runc';
    this.runc = opts.runcPath ?? 'runc';
    this.cgroupParent = opts.cgroupParent ?? '/pier/runc';
  }

  taskCgroup(sandboxId: string): string {
    return `${this.cgroupParent}/${sandboxId}`;
  }

  private command(args: readonly string[]): string[] {
    return [this.runc, '--root', this.root, ...args];
  }

  async createSandbox(spec: SandboxSpec): Promise<void> {
    if (!existsSync(spec.netnsPath)) throw new Error(`network namespace ${spec.netnsPath} does not exist`);
    writeSandboxRecord(spec);
    ensureCgroup(this.taskCgroup(spec.id), withoutCpuQuota(taskResources(spec.cpuUnits, spec.memoryMiB)));
  }

  /** The task cgroup gets its CPU quota (see the header). Idempotent. */
  protected override async started(sandbox: SandboxSpec): Promise<void> {
    ensureCgroup(this.taskCgroup(sandbox.id), taskResources(sandbox.cpuUnits, sandbox.memoryMiB));
  }

  protected bundleSpec(sandbox: SandboxSpec, container: ContainerSpec): Record<string, unknown> {
    const oci = structuredClone(container.oci) as { linux?: Record<string, unknown>; process?: { rlimits?: OciRlimit[] } };
    if (oci.process?.rlimits) oci.process.rlimits = clampRlimitsToHost(oci.process.rlimits);
    const linux = (oci.linux ??= {});
    const namespaces = ((linux.namespaces as OciNamespace[] | undefined) ?? []).filter((n) => n.type !== 'network');
    namespaces.push({ type: 'network', path: sandbox.netnsPath });
    linux.namespaces = namespaces;
    linux.cgroupsPath = `${this.taskCgroup(sandbox.id)}/${container.id}`;
    const quota = taskResources(sandbox.cpuUnits, sandbox.memoryMiB).cpu;
    if (quota?.quota) {
      const resources = (linux.resources ??= {}) as OciResources;
      resources.cpu = { ...resources.cpu, quota: quota.quota, period: quota.period! };
    }
    return oci;
  }

  protected async shimLaunch(sandbox: SandboxSpec, container: ContainerSpec): Promise<Omit<ShimLaunch, 'id' | 'dir'>> {
    const log = join(container.dir, 'runtime.log');
    rmSync(log, { force: true });
    const containerOom = oomControlFile(`${this.taskCgroup(sandbox.id)}/${container.id}`);
    const taskOom = oomControlFile(this.taskCgroup(sandbox.id));
    return {
      argv: this.command(['--log', log, '--log-format', 'json', 'run', '--keep', '--bundle', container.dir, container.id]),
      after: this.command(['delete', '--force', container.id]),
      ...(containerOom ? { containerOomFile: containerOom } : {}),
      ...(taskOom ? { taskOomFile: taskOom } : {}),
    };
  }

  protected async runtimeState(_sandbox: SandboxSpec, containerId: string): Promise<RuntimeState | undefined> {
    const dir = join(this.root, containerId);
    let st: RuncStateFile;
    try {
      st = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as RuncStateFile;
    } catch {
      return undefined;
    }
    const pid = st.init_process_pid;
    // runc's own rule: the exec fifo exists until `start`; then the init pid decides.
    if (existsSync(join(dir, 'exec.fifo'))) return { status: 'created', ...(pid ? { pid } : {}) };
    if (pid && pidAlive(pid)) return { status: 'running', pid };
    return { status: 'stopped' };
  }

  protected stateDirs(_sandbox: SandboxSpec, containerId: string): string[] {
    return [this.root, join(this.root, containerId)];
  }

  protected async removeContainerState(_sandbox: SandboxSpec, containerId: string): Promise<void> {
    if (!existsSync(join(this.root, containerId))) return;
    await runCommand(this.command(['delete', '--force', containerId]), { timeoutMs: this.commandTimeoutMs });
  }

  protected startFailure(container: ContainerSpec): string | undefined {
    const lines = readTail(join(container.dir, 'runtime.log')).split('\n').reverse();
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as { level?: string; msg?: string };
        if (entry.level === 'error' && entry.msg) return entry.msg.replace(/^runc run failed: /, '');
      } catch {
        // not a JSON line (or a partial first line)
      }
    }
    return undefined;
  }

  protected killArgv(_sandbox: SandboxSpec, containerId: string, signal: NodeJS.Signals): string[] {
    return this.command(['kill', ...(signal === 'SIGKILL' ? ['--all'] : []), containerId, signal]);
  }

  protected execArgv(_sandbox: SandboxSpec, containerId: string, argv: readonly string[], opts: ExecOptions = {}): string[] {
    const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
    return this.command(['exec', ...(opts.tty ? ['--tty'] : []), ...env, containerId, ...argv]);
  }

  /** runc's container ids in this sandbox: `<sandboxId>-<n>`. */
  private stateIds(sandboxId: string): string[] {
    try {
      return readdirSync(this.root).filter((id) => id.startsWith(`${sandboxId}-`));
    } catch {
      return [];
    }
  }

  async destroySandbox(spec: SandboxSpec): Promise<void> {
    const ids = [...new Set([...this.stateIds(spec.id), ...registeredContainers(spec.dir).keys()])];
    await Promise.all(ids.map((id) => runCommand(this.command(['kill', '--all', id, 'SIGKILL']), { timeoutMs: this.commandTimeoutMs })));
    await this.reapShims(spec, 5_000);
    const errors: string[] = [];
    await Promise.all(ids.map(async (id) => {
      if (!existsSync(join(this.root, id))) return;
      const r = await runCommand(this.command(['delete', '--force', id]), { timeoutMs: this.commandTimeoutMs });
      if (r.status !== 0 && existsSync(join(this.root, id))) errors.push(`delete ${id}: ${r.stderr.trim().slice(-300)}`);
    }));
    const cgroup = this.taskCgroup(spec.id);
    await killAndWait(pidsIn(cgroup), 5_000);
    const left = await removeCgroupTreeSettled(cgroup);
    if (left.length) errors.push(`cgroups left: ${left.join(', ')}`);
    rmSync(spec.dir, { recursive: true, force: true });
    if (errors.length) throw new Error(`destroySandbox ${spec.id}: ${errors.join('; ')}`);
  }

  async listSandboxes(stateDir: string): Promise<string[]> {
    const ids = new Set(sandboxDirIds(stateDir));
    try {
      for (const id of readdirSync(this.root)) {
        const dash = id.lastIndexOf('-');
        if (dash > 0) ids.add(id.slice(0, dash));
      }
    } catch {
      // no runc state yet
    }
    for (const id of childCgroups(this.cgroupParent)) ids.add(id);
    return [...ids].sort();
  }
}
