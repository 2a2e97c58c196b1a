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
  /** Fixed-width id (runsc matches ids by prefix): the task id, 32 hex. */
  id: string;
  /** Directory the runtime may use for this task's bundles and runtime state. */
  dir: string;
  /** Network namespace path the task's containers share (its ENI), e.g. /var/run/netns/pier-<id>. */
  netnsPath: string;
  /** Task cgroup limits. */
  cpuUnits: number;
  memoryMiB: number;
  hostname?: string;
}

export interface ContainerSpec {
  /** Unique within the task, e.g. "<taskid>-0" (ECS runtimeId shape). */
  id: string;
  /** Directory holding config.json (written by the runtime from `oci`), stdout, stderr, exit-code. */
  dir: string;
  /** The OCI runtime spec (config.json) built by runtime/spec.ts. */
  oci: Record<string, unknown>;
}

export interface ContainerStatus {
  state: 'created' | 'running' | 'stopped' | 'unknown';
  /** Exit status once stopped: code, or 128 + signal number. */
  exitCode?: number;
  pid?: number;
}

export interface OciRuntime {
  readonly name: string;
  createSandbox(spec: SandboxSpec): Promise<void>;
  /** Starts a container inside the task's sandbox; returns once it is running. */
  startContainer(sandbox: SandboxSpec, container: ContainerSpec): Promise<void>;
  status(sandbox: SandboxSpec, container: ContainerSpec): Promise<ContainerStatus>;
  /** Runs a command inside a running container (health checks); resolves with its exit status and output. */
  exec(sandbox: SandboxSpec, container: ContainerSpec, argv: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
  kill(sandbox: SandboxSpec, container: ContainerSpec, signal: NodeJS.Signals): Promise<void>;
  destroySandbox(sandbox: SandboxSpec): Promise<void>;
  /** Sandbox ids this runtime has state for on this host (for adoption and cleanup after a restart). */
  listSandboxes(stateDir: string): Promise<string[]>;
}
