/**
 * gVisor (runsc): one sandbox — one user-space kernel — per task, the task's containers inside it.
 *
 * Layout: the sandbox is a placeholder ("pause") container made with `runsc create` + `start`
 * from a tiny rootfs (the host's static busybox) kept at `<stateDir>/pause-rootfs`; each app
 * container joins it (CRI annotations `io.kubernetes.cri.container-type`/`sandbox-id`) through
 * `runsc run` in its shim. Every runsc command carries the same global flags.
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
 * Memory: the task limit is enforced on the whole sandbox; when it is exceeded the host OOM killer
 * kills the sandbox, and every container of the task ends with 137 and oomKilled. Container-level
 * hard limits (`memory`) are not enforced inside a sandbox by this gVisor version.
 */
import { chmodSync, closeSync, cpSync, lstatSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCommand, runCommandOk, HostCommandError } from '../host/exec.js';
import { netnsNameOf } from '../host/netns.js';
import { ensureCgroup, oomControlFile, pidsIn, procsFiles, removeCgroupTree, childCgroups } from './cgroup.js';
import type { ContainerSpec, SandboxSpec } from './oci-runtime.js';
import { sandboxDirIds, registeredContainers, writeSandboxRecord } from './sandbox-files.js';
import { shq, type ShimLaunch } from './shim.js';
import { readTail } from './tail.js';
import { killAndWait, ShimRuntime, type RuntimeState, type ShimRuntimeOptions } from './shim-runtime.js';
import { buildSandboxSpec, taskResources, type OciNamespace } from './spec.js';

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

  /** Container ids runsc has state for in this sandbox. */
  private stateIds(sandboxId: string): string[] {
    const suffix = `_sandbox:${sandboxId}.state`;
    try {
      return readdirSync(this.root).filter((f) => f.endsWith(suffix)).map((f) => f.slice(0, -suffix.length));
    } catch {
      return [];
    }
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
    if (!sandboxMode) ensureCgroup(this.taskCgroup(spec.id), taskResources(spec.cpuUnits, spec.memoryMiB));
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
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
    // The sandbox inherits create's stdio and keeps it: a file, never a pipe we would wait on.
    const logPath = join(spec.dir, 'sandbox.log');
    const log = openSync(logPath, 'a');
    try {
      const r = await runCommand(this.command(['create', '--bundle', bundle, rid], spec, true), {
        timeoutMs: this.commandTimeoutMs, stdoutFd: log, stderrFd: log,
      });
      if (r.status !== 0) throw new HostCommandError({ ...r, stderr: readTail(logPath) });
    } finally {
      closeSync(log);
    }
    await runCommandOk(this.command(['start', rid], spec), { timeoutMs: this.commandTimeoutMs });
  }

  protected bundleSpec(sandbox: SandboxSpec, container: ContainerSpec): Record<string, unknown> {
    const oci = structuredClone(container.oci) as { annotations?: Record<string, string>; linux?: Record<string, unknown> };
    oci.annotations = {
      ...oci.annotations,
      'io.kubernetes.cri.container-type': 'container',
      'io.kubernetes.cri.sandbox-id': this.runscSandboxId(sandbox.id),
    };
    const linux = (oci.linux ??= {});
    const namespaces = ((linux.namespaces as OciNamespace[] | undefined) ?? []).filter((n) => n.type !== 'network');
    if (this.network === 'sandbox') {
      namespaces.push({ type: 'network', path: sandbox.netnsPath });
      // The gofer of this container goes in a child of the task cgroup; limits stay on the sandbox
      // (a container limit there would only squeeze the gofer).
      linux.cgroupsPath = `${this.taskCgroup(sandbox.id)}/${container.id}`;
      const resources = (linux.resources ?? {}) as Record<string, unknown>;
      linux.resources = resources.devices ? { devices: resources.devices } : {};
    } else {
      delete linux.cgroupsPath;
    }
    linux.namespaces = namespaces;
    keepTmpOnTaskDisk(oci as { root?: { path?: string }; mounts?: { destination: string }[] });
    return oci;
  }

  protected async shimLaunch(sandbox: SandboxSpec, container: ContainerSpec): Promise<Omit<ShimLaunch, 'id' | 'dir'>> {
    const rid = this.runscSandboxId(sandbox.id);
    const sandboxPid = this.readState(rid, rid)?.sandbox?.pid;
    const taskOom = oomControlFile(this.taskCgroup(sandbox.id));
    return {
      argv: this.command(['run', '--bundle', container.dir, container.id], sandbox, true),
      ...(taskOom ? { taskOomFile: taskOom } : {}),
      ...(sandboxPid ? { sandboxPid } : {}),
    };
  }

  protected async runtimeState(sandbox: SandboxSpec, containerId: string): Promise<RuntimeState | undefined> {
    const st = this.readState(this.runscSandboxId(sandbox.id), containerId);
    if (!st) return undefined;
    const status = st.status === 'running' || st.status === 'created' || st.status === 'stopped' ? st.status : 'created';
    return { status, ...(st.sandbox?.pid ? { pid: st.sandbox.pid } : {}) };
  }

  protected async removeContainerState(sandbox: SandboxSpec, containerId: string): Promise<void> {
    if (!existsSync(this.stateFile(this.runscSandboxId(sandbox.id), containerId))) return;
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

  protected execArgv(sandbox: SandboxSpec, containerId: string, argv: readonly string[]): string[] {
    return this.command(['exec', containerId, ...argv], sandbox);
  }

  async destroySandbox(spec: SandboxSpec): Promise<void> {
    const rid = this.runscSandboxId(spec.id);
    const ids = new Set([...this.stateIds(rid), ...registeredContainers(spec.dir).keys()]);
    ids.delete(rid);
    const cgroup = this.taskCgroup(spec.id);
    // Killing the sandbox kernel (and gofers) ends every container at once.
    const states = [rid, ...ids].map((id) => this.readState(rid, id));
    const pids = states.flatMap((s) => [s?.sandbox?.pid, s?.goferPid]).filter((p): p is number => typeof p === 'number' && p > 1);
    await killAndWait([...new Set([...pids, ...pidsIn(cgroup)])], 10_000);
    // runsc does not remove the cgroups of containers whose `runsc run` died with the sandbox, and
    // then retries removing the sandbox's own cgroup for 5 s: remove the tree first.
    removeCgroupTree(cgroup);
    const errors: string[] = [];
    const del = async (id: string): Promise<void> => {
      if (!existsSync(this.stateFile(rid, id))) return;
      const r = await runCommand(this.command(['delete', '-force', id], spec), { timeoutMs: this.commandTimeoutMs });
      if (r.status !== 0 && existsSync(this.stateFile(rid, id))) errors.push(`delete ${id}: ${r.stderr.trim().slice(-300)}`);
    };
    await Promise.all([...ids].map(del));
    await del(rid);
    await this.reapShims(spec, 5_000);
    await killAndWait(pidsIn(cgroup), 5_000);
    const left = removeCgroupTree(cgroup);
    if (left.length) errors.push(`cgroups left: ${left.join(', ')}`);
    rmSync(spec.dir, { recursive: true, force: true });
    // runsc leaves its per-sandbox lock files ("<sandbox>_sandbox:<container>.lock") in --root.
    for (const f of safeReaddir(this.root)) if (f.startsWith(`${rid}_sandbox:`) && f.endsWith('.lock')) rmSync(join(this.root, f), { force: true });
    if (errors.length) throw new Error(`destroySandbox ${spec.id}: ${errors.join('; ')}`);
  }

  async listSandboxes(stateDir: string): Promise<string[]> {
    const ids = new Set(sandboxDirIds(stateDir));
    try {
      for (const f of readdirSync(this.root)) {
        const m = /_sandbox:(.+)\.state$/.exec(f);
        if (m && m[1]!.endsWith(PAUSE_SUFFIX)) ids.add(m[1]!.slice(0, -PAUSE_SUFFIX.length));
      }
    } catch {
      // no runsc state yet
    }
    for (const id of childCgroups(this.cgroupParent)) ids.add(id);
    return [...ids].sort();
  }
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

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
