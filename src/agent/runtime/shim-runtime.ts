/**
 * What runsc and runc have in common: each container runs under a detached shell shim (shim.ts)
 * around the runtime's foreground `run`, and the container dir holds its result. The subclasses
 * supply the runtime's commands and how to read its state; this class does the lifecycle.
 */
import { mkdirSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../host/exec.js';
import {
  ContainerStartError, ExecTimeoutError, type ContainerSpec, type ContainerStatus, type ExecOptions, type OciRuntime, type SandboxSpec,
} from './oci-runtime.js';
import { registerContainer, registeredContainers } from './sandbox-files.js';
import {
  clearRun, hasShimPidFile, killShim, launchShim, liveShimPid, pidAlive, readExitCode, readOomKilled, type ShimLaunch,
} from './shim.js';
import { writeFileAtomic } from '../../lib/atomic-file.js';
import { WakeTimer } from '../../lib/wake-timer.js';

export interface RuntimeState {
  status: 'created' | 'running' | 'stopped';
  pid?: number;
}

export interface ShimRuntimeOptions {
  /** How long startContainer waits for the container to run. Default 60 s. */
  startTimeoutMs?: number;
  /** Timeout of each runtime command (state, kill, delete). Default 30 s. */
  commandTimeoutMs?: number;
}

const EXEC_OUTPUT_CAP = 64 * 1024;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export abstract class ShimRuntime implements OciRuntime {
  abstract readonly name: string;
  protected readonly startTimeoutMs: number;
  protected readonly commandTimeoutMs: number;

  protected constructor(opts: ShimRuntimeOptions) {
    this.startTimeoutMs = opts.startTimeoutMs ?? 60_000;
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 30_000;
  }

  abstract createSandbox(spec: SandboxSpec): Promise<void>;
  abstract destroySandbox(spec: SandboxSpec): Promise<void>;
  abstract listSandboxes(stateDir: string): Promise<string[]>;

  /** The config.json to write for this container: the built spec, adjusted for this runtime. */
  protected abstract bundleSpec(sandbox: SandboxSpec, container: ContainerSpec): Record<string, unknown>;
  /** The shim's foreground command and OOM sources. */
  protected abstract shimLaunch(sandbox: SandboxSpec, container: ContainerSpec): Promise<Omit<ShimLaunch, 'id' | 'dir'>>;
  /** The runtime's view of the container, read cheaply; undefined when it has none. */
  protected abstract runtimeState(sandbox: SandboxSpec, containerId: string): Promise<RuntimeState | undefined>;
  /**
   * Directories whose entries change when the container's runtime state does (watched while
   * waiting for it to run; they may not exist yet).
   */
  protected abstract stateDirs(sandbox: SandboxSpec, containerId: string): string[];
  /** Deletes what the runtime still holds for a container id (a previous run). */
  protected abstract removeContainerState(sandbox: SandboxSpec, containerId: string): Promise<void>;
  /** Why the runtime could not start the process, if that is what the exit means. */
  protected abstract startFailure(container: ContainerSpec, exitCode: number): string | undefined;
  protected abstract killArgv(sandbox: SandboxSpec, containerId: string, signal: NodeJS.Signals): string[];
  protected abstract execArgv(sandbox: SandboxSpec, containerId: string, argv: readonly string[], opts?: ExecOptions): string[];

  async startContainer(sandbox: SandboxSpec, container: ContainerSpec): Promise<void> {
    const { id, dir } = container;
    mkdirSync(dir, { recursive: true });
    const running = liveShimPid(dir, id);
    if (running !== undefined && readExitCode(dir) === undefined) return this.started(sandbox); // already started
    if (running !== undefined) await this.waitUntil(() => liveShimPid(dir, id) === undefined, 10_000);
    clearRun(dir);
    await this.removeContainerState(sandbox, id);
    writeFileAtomic(join(dir, 'config.json'), JSON.stringify(this.bundleSpec(sandbox, container)));
    registerContainer(sandbox.dir, id, dir);
    const launch = await this.shimLaunch(sandbox, container);
    const shimPid = await launchShim({ id, dir, ...launch });
    await this.waitRunning(sandbox, container, shimPid);
    await this.started(sandbox);
  }

  /** After a container of the sandbox runs (or was found running): what waits for that. */
  protected async started(_sandbox: SandboxSpec): Promise<void> {
    // nothing by default
  }

  adopt(sandbox: SandboxSpec): Promise<void> {
    return this.started(sandbox);
  }

  private async waitRunning(sandbox: SandboxSpec, container: ContainerSpec, shimPid: number): Promise<void> {
    const watch = new DirWatch([container.dir, ...this.stateDirs(sandbox, container.id)]);
    try {
      await this.pollRunning(sandbox, container, shimPid, watch);
    } finally {
      watch.close();
    }
  }

  /** Polls until running; a change in a watched directory (runtime state, exit-code) polls at once. */
  private async pollRunning(sandbox: SandboxSpec, container: ContainerSpec, shimPid: number, watch: DirWatch): Promise<void> {
    const deadline = performance.now() + this.startTimeoutMs;
    let delay = 2;
    for (;;) {
      const code = readExitCode(container.dir);
      if (code !== undefined) {
        const why = this.startFailure(container, code);
        if (why) throw new ContainerStartError(why);
        return; // ran and already exited: status has the code
      }
      const st = await this.runtimeState(sandbox, container.id);
      if (st?.status === 'running') return;
      // 'stopped' before we saw it run: it exited at once or never started; the shim is about to
      // record which, so keep polling for its exit-code.
      if (!pidAlive(shimPid) && readExitCode(container.dir) === undefined) {
        throw new ContainerStartError(`the shim of ${container.id} exited without recording an exit status (see ${join(container.dir, 'stderr')})`);
      }
      if (performance.now() > deadline) throw new ContainerStartError(`container ${container.id} was not running after ${this.startTimeoutMs} ms`);
      await watch.changeOr(delay);
      delay = Math.min(delay * 1.3, 10); // state reads are file reads: polling is cheap
    }
  }

  async status(sandbox: SandboxSpec, container: ContainerSpec): Promise<ContainerStatus> {
    const stopped = (): ContainerStatus | undefined => {
      const exitCode = readExitCode(container.dir);
      if (exitCode === undefined) return undefined;
      return { state: 'stopped', exitCode, ...(readOomKilled(container.dir) ? { oomKilled: true } : {}) };
    };
    const done = stopped();
    if (done) return done;
    const shimPid = liveShimPid(container.dir, container.id);
    const st = await this.runtimeState(sandbox, container.id);
    const pid = st?.pid !== undefined ? { pid: st.pid } : {};
    if (shimPid !== undefined) {
      // A stopped runtime state with a live shim: the shim is recording the exit right now.
      const state = st?.status === 'running' || st?.status === 'stopped' ? 'running' : 'created';
      return { state, shimPid, ...pid };
    }
    const late = stopped(); // the shim may have finished between the two reads
    if (late) return late;
    if (st?.status === 'running') return { state: 'running', ...pid }; // orphaned: its shim was killed
    if (!hasShimPidFile(container.dir)) return { state: 'unknown' };
    return { state: 'stopped' }; // the shim died before it could record the status: lost
  }

  async exec(sandbox: SandboxSpec, container: ContainerSpec, argv: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    if (argv.length === 0) throw new TypeError('exec: empty argv');
    const r = await runCommand(this.execArgv(sandbox, container.id, argv), { timeoutMs, maxOutputBytes: EXEC_OUTPUT_CAP });
    if (r.timedOut) throw new ExecTimeoutError(`exec in ${container.id} did not finish within ${timeoutMs} ms`);
    if (r.spawnError) throw r.spawnError;
    return { exitCode: r.status, output: (r.stdout + r.stderr).slice(0, EXEC_OUTPUT_CAP) };
  }

  interactiveExecArgv(sandbox: SandboxSpec, containerId: string, argv: readonly string[], opts: ExecOptions): string[] {
    return this.execArgv(sandbox, containerId, argv, opts);
  }

  async kill(sandbox: SandboxSpec, container: ContainerSpec, signal: NodeJS.Signals): Promise<void> {
    if (readExitCode(container.dir) !== undefined) return;
    const r = await runCommand(this.killArgv(sandbox, container.id, signal), { timeoutMs: this.commandTimeoutMs });
    if (r.status === 0) return;
    // Not running (any more) is fine; anything else is worth telling the caller.
    const st = await this.runtimeState(sandbox, container.id);
    if (st?.status === 'running' && readExitCode(container.dir) === undefined) {
      throw new Error(`kill ${signal} ${container.id}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
    }
  }

  /** Waits for the task's shims to finish (their containers are dead), then kills any left. */
  protected async reapShims(sandbox: SandboxSpec, waitMs: number): Promise<void> {
    const shims = [...registeredContainers(sandbox.dir)]
      .map(([id, dir]) => liveShimPid(dir, id))
      .filter((p): p is number => p !== undefined);
    if (shims.length === 0) return;
    await this.waitUntil(() => shims.every((p) => !pidAlive(p)), waitMs);
    for (const p of shims) if (pidAlive(p)) killShim(p);
    await this.waitUntil(() => shims.every((p) => !pidAlive(p)), 2_000);
  }

  protected async waitUntil(cond: () => boolean, timeoutMs: number, stepMs = 20): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!cond()) {
      if (performance.now() > deadline) return false;
      await sleep(stepMs);
    }
    return true;
  }
}

/** Kills (SIGKILL) pids and waits until they are gone (≤ timeoutMs). */
export async function killAndWait(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
  const deadline = performance.now() + timeoutMs;
  while (pids.some(pidAlive)) {
    if (performance.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

/**
 * inotify watches on directories, some of which may appear later (each wake-up retries those):
 * `changeOr(ms)` resolves at the first change in any of them, or after `ms`.
 */
class DirWatch {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly timer = new WakeTimer();
  private closed = false;

  constructor(private readonly dirs: readonly string[]) {
    this.attach();
  }

  async changeOr(ms: number): Promise<void> {
    await this.timer.sleep(ms);
    this.attach();
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private attach(): void {
    if (this.closed) return;
    for (const dir of this.dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.timer.wake());
        w.on('error', () => undefined); // the directory went away: polling goes on
        this.watchers.set(dir, w);
      } catch {
        // not there yet
      }
    }
  }
}
