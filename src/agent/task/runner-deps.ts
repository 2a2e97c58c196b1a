/** Everything a TaskRunner uses to touch the host or the control plane, passed in. */
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { EniAssignment, NetworkPolicy, ShipLogsRequest, ShipLogsResponse, TaskReport, TaskSecretsResponse } from '../../protocol/agent.js';
import type { ContainerDefinition } from '../../ecs/task-definition/types.js';
import type { ImageRuntimeConfig, ImageStore, PullOptions } from '../images/image-store.js';
import type { OciRuntime } from '../runtime/oci-runtime.js';
import type { TaskStateStore } from '../state/task-state.js';
import type { PersistentVolumes, TaskStorage } from '../storage/task-storage.js';

/** The task's ENI: today a network namespace with loopback; the VPC issue adds the veth and address. */
export interface TaskNetwork {
  /**
   * Creates (or finds) the task's network namespace and, given its ENI, attaches it to the VPC
   * behind its security groups; returns the namespace path.
   */
  create(taskId: string, eni?: EniAssignment, mark?: (step: string) => void): Promise<string>;
  /** The namespace path for a task, whether or not it exists. */
  pathFor(taskId: string): string;
  destroy(taskId: string): Promise<void>;
  list(): Promise<string[]>;
  /** The security groups and their members as the control plane last sent them. */
  setPolicy?(policy: NetworkPolicy): Promise<void>;
  /** Re-applies host-wide network state (after an agent restart). */
  apply?(): Promise<void>;
  /** Resolves when host-wide changes still running in the background (rule pruning) are done. */
  settled?(): Promise<void>;
  /** Removes what was made ahead for tasks to come (the agent stops). */
  close?(): Promise<void>;
  /** Sends tasks' 169.254.170.2:80 to the agent's endpoint server at this address. */
  setMetadataTarget?(target: { address: string; port: number }): Promise<void>;
}

export interface SpecInput {
  taskId: string;
  runtimeId: string;
  container: ContainerDefinition;
  image: ImageRuntimeConfig;
  rootfs: string;
  mounts: { source: string; destination: string; readOnly: boolean }[];
  /** Variables ECS injects (AWS_REGION, AWS_EXECUTION_ENV, …), before the container's own. */
  injectedEnv: Record<string, string>;
  /** environmentFiles contents, already fetched. */
  environmentFiles: Record<string, string>;
  /** The container's `secrets`, resolved at start. */
  secrets?: Record<string, string>;
  netnsPath: string;
  hostname: string;
  taskLimits: { cpuUnits: number; memoryMiB: number };
}

export type SpecBuilder = (input: SpecInput) => Record<string, unknown>;

export interface RunnerDeps {
  readonly images: ImageStore;
  readonly runtime: OciRuntime;
  readonly storage: TaskStorage;
  readonly volumes: PersistentVolumes;
  readonly network: TaskNetwork;
  readonly buildSpec: SpecBuilder;
  readonly stateStore: TaskStateStore;
  /** Sends a report; true when the control plane accepted it. Retries are the caller's. */
  report(taskArn: string, report: TaskReport): Promise<boolean>;
  pullOptions(image: string): PullOptions;
  readonly clock: Clock;
  readonly log: Logger;
  readonly region: string;
  /** Where runtimes keep per-task sandbox state. */
  readonly runtimeDir: string;
  /** The port at 169.254.170.2 where tasks reach Pier's API (forwarded by the network), if they can. */
  readonly taskApiPort?: number;
  /** Sends awslogs events to the control plane; without it, containers' logs stay in their files. */
  shipLogs?(req: ShipLogsRequest): Promise<ShipLogsResponse>;
  /** The task's `secrets` and `repositoryCredentials`, read by the control plane as its execution role. */
  taskSecrets?(taskArn: string): Promise<TaskSecretsResponse>;
}
