/**
 * gVisor (runsc): one sandbox — one user-space kernel — per task, the task's containers inside it.
 *
 * Layout, two kinds (every runsc command carries the same global flags):
 * - A task with one container (`SandboxSpec.soleContainerId`): that container is the sandbox's root,
 *   made by `runsc run` in its shim: one boot, exactly what a raw `runsc run` costs. It carries the
 *   task's limits, netns and cgroup. A restart (restartPolicy) boots a fresh sandbox in the same
 *   netns, on the same disk.
 * - A task with several containers: the sandbox is a placeholder ("pause") container made with
 *   `runsc create` + `start` from a tiny rootfs (the host's static busybox) kept at
 *   `<stateDir>/pause-rootfs`; each app container joins it (CRI annotations
 *   `io.kubernetes.cri.container-type`/`sandbox-id`) through `runsc run` in its shim, so any of
 *   them may exit while the others run on.
 *
 * The `runsc run` each shim waits on is a Go process; it runs with GOMAXPROCS=1, GOGC=10 and
 * GODEBUG=madvdontneed=1 (it only waits, and the sandbox and gofers it starts get runsc's own clean
 * environment), which keeps about 1.2 MiB less of it resident per container.
 *
 * Networking (constructor option `network`):
 * - 'sandbox' (default): gVisor's own network stack in the task's netns (config.json
 *   `linux.namespaces` network path). The Debian build mis-detects every netns as the root one
 *   (it looks for /proc/sys/net/core/rmem_default), so every runsc command runs in a private
 *   mount namespace whose /proc/sys/net is hidden by an empty tmpfs. runsc puts the sandbox in the
 *   task cgroup `<cgroupParent>/<taskId>` with the task limits.
 * - 'host': runsc uses the netns's kernel stack (`ip netns exec NS runsc --network=host
 *   --ignore-cgroups`); runsc then manages no cgroups, so the runtime creates the task cgroup and
 *   runs runsc already inside it.
 *
 * CPU: the task's CFS quota goes on the task cgroup once a container runs, not while the sandbox
 * boots (spec.ts `withoutCpuQuota`): under a quarter of a core (256 units) a boot took 1 s here
 * instead of 0.45 s. A restart of a sole container lifts it for the new boot.
 *
 * Memory: the task limit is enforced on the whole sandbox; when it is exceeded the host OOM killer
 * kills the sandbox, and every container of the task ends with 137 and oomKilled. Container-level
 * hard limits (`memory`) are not enforced inside a sandbox by this gVisor version.
 */
import { chmodSync, cpSync, lstatSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCommand, runCommandOk, HostCommandError } from '../host/exec.js';
import { netnsNameOf } from '../host/netns.js';
import { clearCpuQuota, ensureCgroup, oomControlFile, pidsIn, procsFiles, removeCgroupTree, removeCgroupTreeSettled, childCgroups } from './cgroup.js';
import type { ContainerSpec, ExecOptions, SandboxSpec } from './oci-runtime.js';
import { sandboxDirIds, writeSandboxRecord } from './sandbox-files.js';
import { writeExecProcessFile } from './exec-process-file.js';
import { shq, type ShimLaunch } from './shim.js';
import { readTail } from './tail.js';
import { killAndWait, ShimRuntime, type RuntimeState, type ShimRuntimeOptions } from './shim-runtime.js';
import { buildSandboxSpec, taskResources, withoutCpuQuota, type OciNamespace, type OciResources } from './spec.js';

export type RunscNetwork = 'sandbox' | 'host';

export interface RunscOptions extends ShimRuntimeOptions {
  /** runsc's --root: its state for every sandbox on this host. Default /run/pier/runsc. */
  root?: string;
  /** Holds pause-rootfs. Default: the parent of `root`. */
  stateDir?: string;
  network?: RunscNetwork;
  /** Default 'ptrace' (what works on these hosts). */
  platform?: string;
  runscPath?: string;
  /** Static busybox for the pause rootfs. Default /usr/bin/busybox. */
  busyboxPath?: string;
  /** Task cgroups go under this path in every hierarchy. Default /pier/runsc. */
  cgroupParent?: string;
  /** Further global flags, passed identically to every runsc command. */
  extraFlags?: string[];
}

interface RunscStateFile {
  status?: string;
  goferPid?: number;
  sandbox?: { pid?: number };
}

const PAUSE_ARGS = ['/bin/busybox', 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 3600 & wait; done'];
const PAUSE_SUFFIX = '-pause';
/** The environment of the `runsc run` a shim waits on (see the header). */
const WAITER_ENV = { GOMAXPROCS: '1', GOGC: '10', GODEBUG: 'madvdontneed=1' };
const HIDE_PROC_SYS_NET = 'mount -t tmpfs none /proc/sys/net && exec "$0" "$@"';

export class RunscRuntime extends ShimRuntime {
  readonly name = 'runsc';
  readonly root: string;
  readonly network: RunscNetwork;
  readonly cgroupParent: string;
  private readonly stateDir: string;
  private readonly runsc: string;
  private readonly busybox: string;
  private readonly flags: string[];

  constructor(opts: RunscOptions = {}) {
    super(opts);
    this.root = opts.root ?? '/run/pier/runsc';
    this.stateDir = opts.stateDir ?? dirname(this.root);
    this.network = opts.network ?? 'sandbox';
    this.runsc = opts.runscPath ?? 'runsc';
    this.busybox = opts.busyboxPath ?? '/usr/bin/busybox';
    this.cgroupParent = opts.cgroupParent ?? '/pier/runsc';
    this.flags = [
      `--root=${this.root}`, `--platform=${opts.platform ?? 'ptrace'}`, `--network=${this.network}`,
      ...(this.network === 'host' ? ['--ignore-cgroups'] : []), ...(opts.extraFlags ?? []),
    ];
  }

  get pauseRootfs(): string {
    return join(this.stateDir, 'pause-rootfs');
  }

  taskCgroup(sandboxId: string): string {
    return `${this.cgroupParent}/${sandboxId}`;
  }

  /**
   * runsc's id for the task's sandbox (its pause container). Not the bare task id: runsc resolves
   * ids by prefix and calls the task id ambiguous as soon as `<taskId>-0` exists, even though one
   * id matches exactly. `<taskId>-pause` is no prefix of `<taskId>-<n>` (n < 10 in ECS).
   */
  runscSandboxId(taskId: string): string {
    return `${taskId}${PAUSE_SUFFIX}`;
  }

  /** runsc's sandbox id for this task: its sole container, or the placeholder. */
  private sandboxIdOf(spec: SandboxSpec): string {
    return spec.soleContainerId ?? this.runscSandboxId(spec.id);
  }

  private isRoot(spec: SandboxSpec, containerId: string): boolean {
    return spec.soleContainerId === containerId;
  }

  /**
   * The argv that runs `runsc <flags> args…` correctly for this network mode. Host mode: commands
   * that reach a sandbox run inside its netns (the sandbox's control socket is an abstract unix
   * socket, which belongs to a netns), unless the netns is gone; `join` commands (create, run) make
   * sandbox processes and first move into the task cgroup (runsc manages none with
   * --ignore-cgroups).
   */
  command(args: readonly string[], sandbox?: SandboxSpec, join = false): string[] {
    const runsc = [this.runsc, ...this.flags, ...args];
    if (this.network === 'sandbox') return ['unshare', '-m', '--propagation', 'private', 'sh', '-c', HIDE_PROC_SYS_NET, ...runsc];
    if (!sandbox || !existsSync(sandbox.netnsPath)) return runsc;
    const ns = netnsNameOf(sandbox.netnsPath);
    const inNetns = ns ? ['ip', 'netns', 'exec', ns, ...runsc] : ['nsenter', `--net=${sandbox.netnsPath}`, ...runsc];
    if (!join) return inNetns;
    // Join the task cgroup first: `ip netns exec` remounts /sys, hiding /sys/fs/cgroup.
    const joins = procsFiles(this.taskCgroup(sandbox.id)).map((f) => `echo $$ > ${shq(f)} && `).join('');
    return ['sh', '-c', `${joins}exec "$0" "$@"`, ...inNetns];
  }

  private stateFile(sandboxId: string, containerId: string): string {
    return join(this.root, `${containerId}_sandbox:${sandboxId}.state`);
  }

  private readState(sandboxId: string, containerId: string): RunscStateFile | undefined {
    try {
      return JSON.parse(readFileSync(this.stateFile(sandboxId, containerId), 'utf8')) as RunscStateFile;
    } catch {
      return undefined;
    }
  }

  /**
   * Every runsc state of a task, whichever layout made it (orphan clean-up may not know): sandbox
   * ids are `<taskId>-pause` or `<taskId>-<n>`.
   */
  private taskStates(taskId: string): { containerId: string; sandboxId: string }[] {
    const out: { containerId: string; sandboxId: string }[] = [];
    for (const f of safeReaddir(this.root)) {
      const m = STATE_FILE.exec(f);
      if (m && taskIdOfSandbox(m[2]!) === taskId) out.push({ containerId: m[1]!, sandboxId: m[2]! });
    }
    return out;
  }

  private ensurePauseRootfs(): void {
    if (existsSync(join(this.pauseRootfs, 'bin', 'busybox'))) return;
    const tmp = `${this.pauseRootfs}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc']) mkdirSync(join(tmp, d), { recursive: true });
    cpSync(this.busybox, join(tmp, 'bin', 'busybox'));
    writeFileSync(join(tmp, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\n');
    try {
      renameSync(tmp, this.pauseRootfs);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(join(this.pauseRootfs, 'bin', 'busybox'))) throw err;
    }
  }

  async createSandbox(spec: SandboxSpec): Promise<void> {
    if (spec.soleContainerId) {
      // The container's own `runsc run` boots the sandbox. The task cgroup is made here, with the
      // task's limits, so that it outlives each boot: runsc leaves a cgroup it did not create in
      // place, and the shim reads its OOM counter after the sandbox is gone.
      mkdirSync(this.root, { recursive: true });
      writeSandboxRecord(spec);
      ensureCgroup(this.taskCgroup(spec.id), bootResources(spec));
      return;
    }
    const rid = this.runscSandboxId(spec.id);
    const state = this.readState(rid, rid);
    if (state?.status === 'running') return;
    this.ensurePauseRootfs();
    mkdirSync(this.root, { recursive: true });
    writeSandboxRecord(spec);
    if (state?.status === 'created') {
      await runCommandOk(this.command(['start', rid], spec), { timeoutMs: this.commandTimeoutMs });
      return;
    }
    if (state) await runCommand(this.command(['delete', '-force', rid], spec), { timeoutMs: this.commandTimeoutMs });
    const bundle = join(spec.dir, 'pause');
    mkdirSync(bundle, { recursive: true });
    const sandboxMode = this.network === 'sandbox';
    if (!sandboxMode) ensureCgroup(this.taskCgroup(spec.id), bootResources(spec));
    const config = buildSandboxSpec({
      sandboxId: rid,
      rootfs: this.pauseRootfs,
      args: PAUSE_ARGS,
      hostname: spec.hostname ?? spec.id.slice(0, 12),
      ...(sandboxMode ? { netnsPath: spec.netnsPath, cgroupsPath: this.taskCgroup(spec.id) } : {}),
      cpuUnits: spec.cpuUnits,
      memoryMiB: spec.memoryMiB,
      annotations: { 'io.kubernetes.cri.container-type': 'sandbox', 'io.kubernetes.cri.sandbox-id': rid },
    });
    config.linux.resources = bootResources(spec);
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
    // The sandbox inherits create's stdio and keeps it: a file, never a pipe we would wait on.
    const logPath = join(spec.dir, 'sandbox.log');
    const r = await runCommand(this.command(['create', '--bundle', bundle, rid], spec, true), {
      timeoutMs: this.commandTimeoutMs, outputFile: logPath,
    });
    if (r.status !== 0) throw new HostCommandError({ ...r, stderr: readTail(logPath) });
    await runCommandOk(this.command(['start', rid], spec), { timeoutMs: this.commandTimeoutMs });
  }

  protected bundleSpec(sandbox: SandboxSpec, container: ContainerSpec): Record<string, unknown> {
    const oci = structuredClone(container.oci) as { annotations?: Record<string, string>; linux?: Record<string, unknown> };
    const root = this.isRoot(sandbox, container.id);
    oci.annotations = {
      ...oci.annotations,
      'io.kubernetes.cri.container-type': root ? 'sandbox' : 'container',
      'io.kubernetes.cri.sandbox-id': this.sandboxIdOf(sandbox),
    };
    const linux = (oci.linux ??= {});
    const namespaces = ((linux.namespaces as OciNamespace[] | undefined) ?? []).filter((n) => n.type !== 'network');
    if (this.network === 'sandbox') {
      namespaces.push({ type: 'network', path: sandbox.netnsPath });
      if (root) {
        // This container is the sandbox: it holds the task's limits, in the task cgroup.
        linux.cgroupsPath = this.taskCgroup(sandbox.id);
        linux.resources = bootResources(sandbox);
      } else {
        // The gofer of this container goes in a child of the task cgroup; limits stay on the
        // sandbox (a container limit there would only squeeze the gofer).
        linux.cgroupsPath = `${this.taskCgroup(sandbox.id)}/${container.id}`;
        const resources = (linux.resources ?? {}) as Record<string, unknown>;
        linux.resources = resources.devices ? { devices: resources.devices } : {};
      }
    } else {
      delete linux.cgroupsPath;
    }
    linux.namespaces = namespaces;
    keepTmpOnTaskDisk(oci as { root?: { path?: string }; mounts?: { destination: string }[] });
    return oci;
  }

  /** The task's CPU quota, once a container runs (see the header). */
  protected override async started(sandbox: SandboxSpec): Promise<void> {
    ensureCgroup(this.taskCgroup(sandbox.id), taskResources(sandbox.cpuUnits, sandbox.memoryMiB));
  }

  protected async shimLaunch(sandbox: SandboxSpec, container: ContainerSpec): Promise<Omit<ShimLaunch, 'id' | 'dir'>> {
    // A sole container's restart boots a new sandbox: without the quota, as the first boot.
    if (this.isRoot(sandbox, container.id)) clearCpuQuota(this.taskCgroup(sandbox.id));
    const taskOom = oomControlFile(this.taskCgroup(sandbox.id));
    const env = { ...process.env, ...WAITER_ENV };
    const argv = this.command(['run', '--bundle', container.dir, container.id], sandbox, true);
    // As the sandbox's root, `runsc run` is the sandbox's parent and returns its real status.
    if (this.isRoot(sandbox, container.id)) return { argv, env, ...(taskOom ? { taskOomFile: taskOom } : {}) };
    const rid = this.runscSandboxId(sandbox.id);
    const sandboxPid = this.readState(rid, rid)?.sandbox?.pid;
    return { argv, env, ...(taskOom ? { taskOomFile: taskOom } : {}), ...(sandboxPid ? { sandboxPid } : {}) };
  }

  protected async runtimeState(sandbox: SandboxSpec, containerId: string): Promise<RuntimeState | undefined> {
    const st = this.readState(this.sandboxIdOf(sandbox), containerId);
    if (!st) return undefined;
    const status = st.status === 'running' || st.status === 'created' || st.status === 'stopped' ? st.status : 'created';
    return { status, ...(st.sandbox?.pid ? { pid: st.sandbox.pid } : {}) };
  }

  protected stateDirs(): string[] {
    return [this.root];
  }

  protected async removeContainerState(sandbox: SandboxSpec, containerId: string): Promise<void> {
    if (!existsSync(this.stateFile(this.sandboxIdOf(sandbox), containerId))) return;
    await runCommand(this.command(['delete', '-force', containerId], sandbox), { timeoutMs: this.commandTimeoutMs });
  }

  protected startFailure(container: ContainerSpec, exitCode: number): string | undefined {
    if (exitCode !== 128) return undefined;
    const line = readTail(join(container.dir, 'stderr')).split('\n').reverse().find((l) => l.startsWith('running container:'));
    return line?.replace(/^running container: /, '');
  }

  protected killArgv(sandbox: SandboxSpec, containerId: string, signal: NodeJS.Signals): string[] {
    return this.command(['kill', ...(signal === 'SIGKILL' ? ['--all'] : []), containerId, signal], sandbox);
  }

  /** With a terminal, the process spec comes from a file (exec-process-file.ts): runsc's exec has no --tty. */
  protected execArgv(sandbox: SandboxSpec, containerId: string, argv: readonly string[], opts: ExecOptions = {}): string[] {
    if (opts.tty) return this.command(['exec', '-process', writeExecProcessFile(sandbox.dir, containerId, argv, opts.env ?? {}), containerId], sandbox);
    const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['-env', `${k}=${v}`]);
    return this.command(['exec', ...env, containerId, ...argv], sandbox);
  }

  async destroySandbox(spec: SandboxSpec): Promise<void> {
    const states = this.taskStates(spec.id);
    const cgroup = this.taskCgroup(spec.id);
    // Killing the sandbox kernel (and gofers) ends every container at once.
    const pids = states
      .map((s) => this.readState(s.sandboxId, s.containerId))
      .flatMap((s) => [s?.sandbox?.pid, s?.goferPid])
      .filter((p): p is number => typeof p === 'number' && p > 1);
    await killAndWait([...new Set([...pids, ...pidsIn(cgroup)])], 10_000);
    // runsc does not remove the cgroups of containers whose `runsc run` died with the sandbox, and
    // then retries removing the sandbox's own cgroup for 5 s: remove the tree first.
    removeCgroupTree(cgroup);
    const errors: string[] = [];
    const del = async (s: { containerId: string; sandboxId: string }): Promise<void> => {
      if (!existsSync(this.stateFile(s.sandboxId, s.containerId))) return;
      const r = await runCommand(this.command(['delete', '-force', s.containerId], spec), { timeoutMs: this.commandTimeoutMs });
      if (r.status !== 0 && existsSync(this.stateFile(s.sandboxId, s.containerId))) errors.push(`delete ${s.containerId}: ${r.stderr.trim().slice(-300)}`);
    };
    // Joined containers first, then the sandboxes' roots.
    await Promise.all(states.filter((s) => s.containerId !== s.sandboxId).map(del));
    await Promise.all(states.filter((s) => s.containerId === s.sandboxId).map(del));
    await this.reapShims(spec, 5_000);
    await killAndWait(pidsIn(cgroup), 5_000);
    const left = await removeCgroupTreeSettled(cgroup);
    if (left.length) errors.push(`cgroups left: ${left.join(', ')}`);
    rmSync(spec.dir, { recursive: true, force: true });
    // runsc leaves its per-sandbox lock files ("<sandbox>_sandbox:<container>.lock") in --root.
    for (const f of safeReaddir(this.root)) {
      const m = LOCK_FILE.exec(f);
      if (m && (taskIdOfSandbox(m[1]!) === spec.id || taskIdOfSandbox(m[2]!) === spec.id)) rmSync(join(this.root, f), { force: true });
    }
    if (errors.length) throw new Error(`destroySandbox ${spec.id}: ${errors.join('; ')}`);
  }

  async listSandboxes(stateDir: string): Promise<string[]> {
    const ids = new Set(sandboxDirIds(stateDir));
    for (const f of safeReaddir(this.root)) {
      const m = STATE_FILE.exec(f);
      const id = m ? taskIdOfSandbox(m[2]!) : undefined;
      if (id) ids.add(id);
    }
    for (const id of childCgroups(this.cgroupParent)) ids.add(id);
    return [...ids].sort();
  }
}

/** runsc's state files: `<containerId>_sandbox:<sandboxId>.state`. */
const STATE_FILE = /^(.+)_sandbox:(.+)\.state$/;
const LOCK_FILE = /^(.+)_sandbox:(.+)\.lock$/;

/** The task id in a runsc sandbox id: `<taskId>-pause` or, for a sole container, `<taskId>-<n>`. */
function taskIdOfSandbox(sandboxId: string): string | undefined {
  if (sandboxId.endsWith(PAUSE_SUFFIX)) return sandboxId.slice(0, -PAUSE_SUFFIX.length);
  return /^(.+)-\d+$/.exec(sandboxId)?.[1];
}

/**
 * gVisor mounts an in-memory tmpfs on /tmp unless the spec mounts something there. On Fargate /tmp
 * is ephemeral storage, so bind the container's own /tmp (on the task disk) over it: writes to it
 * count against the disk cap, not the task's memory.
 */
function keepTmpOnTaskDisk(oci: { root?: { path?: string }; mounts?: { destination: string; type?: string; source?: string; options?: string[] }[] }): void {
  const rootfs = oci.root?.path;
  if (!rootfs || (oci.mounts ?? []).some((m) => m.destination === '/tmp')) return;
  const tmp = join(rootfs, 'tmp');
  let st;
  try {
    st = lstatSync(tmp);
  } catch {
    mkdirSync(tmp, { mode: 0o1777 });
    chmodSync(tmp, 0o1777);
    st = lstatSync(tmp);
  }
  // An image's /tmp that is a symlink would resolve on the host: leave such images to gVisor's tmpfs.
  if (!st.isDirectory()) return;
  oci.mounts = [...(oci.mounts ?? []), { destination: '/tmp', type: 'bind', source: tmp, options: ['rbind', 'rw'] }];
}

/** The task's limits without the CPU quota: what its sandbox boots under. */
function bootResources(spec: SandboxSpec): OciResources {
  return withoutCpuQuota(taskResources(spec.cpuUnits, spec.memoryMiB));
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
