/**
 * A sandbox runtime: runs a task's containers from OCI bundles. `runsc` (gVisor: one sandbox, one
 * user-space kernel per task, the task's containers inside it) is the default; `runc`
 * (namespaces only) is the alternative; `fake` runs nothing and is driven by tests. A microVM
 * runtime would implement the same interface.
 *
 * Lifecycle per task:  createSandbox → (startContainer …) → stop/kill containers → destroySandbox.
 * Guarantees implementers must give:
 * - Containers outlive the agent process: each runs under a small detached shim that writes the
 *   container's exit status to `<containerDir>/exit-code` when it ends, whether or not the agent
 *   is alive, and stdout/stderr go to `<containerDir>/stdout` and `/stderr`.
 * - Every call is idempotent and safe to repeat after an agent crash (create of an existing
 *   sandbox, delete of a missing one, kill of an exited container do not fail).
 * - `destroySandbox` leaves no processes, mounts or runtime state behind.
 */
export interface SandboxSpec {
  /**
   * Fixed-width id: the task id, 32 hex. runsc resolves ids by prefix and calls an id ambiguous
   * when it is a prefix of another, even with an exact match, so RunscRuntime names its sandbox
   * `<id>-pause` (see runsc.ts).
   */
  id: string;
  /** Directory the runtime may use for this task's bundles and runtime state. */
  dir: string;
  /** Network namespace path the task's containers share (its ENI), e.g. /var/run/netns/pier-<id>. */
  netnsPath: string;
  /** Task cgroup limits. */
  cpuUnits: number;
  memoryMiB: number;
  hostname?: string;
  /**
   * Set when the task has exactly one container (its id): a runtime may then run that container as
   * the sandbox's own root instead of booting a placeholder first (runsc: one boot, not two).
   */
  soleContainerId?: string;
}

export interface ContainerSpec {
  /** Unique within the task, "<taskid>-<n>" with n < 10 (ECS runtimeId shape; no id a prefix of another). */
  id: string;
  /** Directory holding config.json (written by the runtime from `oci`), stdout, stderr, exit-code. */
  dir: string;
  /** The OCI runtime spec (config.json) built by runtime/spec.ts. */
  oci: Record<string, unknown>;
}

export interface ContainerStatus {
  /**
   * `created`: started but not yet running (or the runtime has not caught up); `unknown`: the
   * runtime has no trace of the container (never started, or its state was removed).
   */
  state: 'created' | 'running' | 'stopped' | 'unknown';
  /**
   * Exit status once stopped: code, or 128 + signal number. Absent on a stopped container only
   * when the status was lost (its shim was killed before it could record one).
   */
  exitCode?: number;
  /** Host pid of the container's init (runc) or of its sandbox kernel (runsc), while running. */
  pid?: number;
  /** Host pid of the container's shim while it lives. */
  shimPid?: number;
  /**
   * The kernel's OOM killer acted on the container (its own memory limit) or, when it ended with
   * 137, on its task (the task limit; under runsc the whole sandbox is killed). ECS reports this as
   * `OutOfMemoryError: Container killed due to memory usage`.
   */
  oomKilled?: boolean;
}

/** `exec` did not finish within its timeout; the command was killed (health checks count it as a failure). */
export class ExecTimeoutError extends Error {
  override readonly name = 'ExecTimeoutError';
}

/** The runtime could not start the container's process (ECS: `CannotStartContainerError`). */
export class ContainerStartError extends Error {
  override readonly name = 'ContainerStartError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface ExecOptions { readonly tty?: boolean; readonly env?: Readonly<Record<string, string>> }

export interface OciRuntime {
  readonly name: string;
  createSandbox(spec: SandboxSpec): Promise<void>;
  /**
   * Starts a container inside the task's sandbox; returns once it is running (or has already
   * exited: `status` then has its exit code). Starting a container whose previous run has ended
   * starts it again (restartPolicy); starting one that is running does nothing. Throws
   * ContainerStartError when the runtime cannot start the process (e.g. no such executable).
   */
  startContainer(sandbox: SandboxSpec, container: ContainerSpec): Promise<void>;
  /**
   * Puts in place what waits for a running container (the shim runtimes: the task's CPU quota,
   * kept off while a sandbox boots). startContainer does it before it returns; an agent that
   * adopts a running task calls it once, in case the agent before it died in between. Idempotent.
   */
  adopt?(sandbox: SandboxSpec): Promise<void>;
  /** Reads the exit-code file first, then the runtime's state. Works for containers started by an earlier agent. */
  status(sandbox: SandboxSpec, container: ContainerSpec): Promise<ContainerStatus>;
  /**
   * Runs a command inside a running container (health checks), as the container's user, env and
   * working directory; resolves with its exit status and combined stdout+stderr (capped at 64 KiB).
   * Rejects with ExecTimeoutError after `timeoutMs`.
   */
  exec(sandbox: SandboxSpec, container: ContainerSpec, argv: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
  /**
   * The host command that runs `argv` in a running container (exec sessions), as the container's
   * user, env and working directory, on the stdio it is started with. With `tty` its stdin is a
   * terminal, and the process in the container gets a terminal (runc: a pty it proxies to that
   * one; runsc: that terminal itself, the process spec in a file of the sandbox dir). `env` adds
   * variables (e.g. TERM).
   */
  interactiveExecArgv?(sandbox: SandboxSpec, containerId: string, argv: readonly string[], opts: ExecOptions): string[];
  /** Signals the container's init (SIGKILL: every process in it). A container that is not running is not an error. */
  kill(sandbox: SandboxSpec, container: ContainerSpec, signal: NodeJS.Signals): Promise<void>;
  /**
   * Kills whatever still runs, deletes the runtime's state, the task's cgroups, the shims and
   * `sandbox.dir`. Leaves container dirs (their stdout/stderr/exit-code are the task's logs and
   * result) and the network namespace (the ENI's owner deletes it). Idempotent.
   */
  destroySandbox(sandbox: SandboxSpec): Promise<void>;
  /**
   * Sandbox ids this runtime has anything for on this host (for adoption and cleanup after a
   * restart): sandbox dirs under `stateDir` (the parent of every `SandboxSpec.dir`), runtime state
   * and task cgroups.
   */
  listSandboxes(stateDir: string): Promise<string[]>;
}
