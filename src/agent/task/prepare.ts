/** The prepare step of a task: ENI, disk, images, root filesystems, bundles, sandbox. Idempotent. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsStartSecrets } from '../../ecs/task-definition/start-secrets.js';
import type { ContainerDefinition, TaskDefinitionBody, Volume } from '../../ecs/task-definition/types.js';
import { coerceError } from '../../lib/errors.js';
import { ImagePullError, type PulledImage } from '../images/image-store.js';
import type { SandboxSpec } from '../runtime/oci-runtime.js';
import type { LocalTaskState } from '../state/task-state.js';
import type { TaskDisk } from '../storage/task-storage.js';
import type { TaskSecretsResponse } from '../../protocol/agent.js';
import { ControlPlaneError } from '../control-plane-client.js';
import { METADATA_ADDRESS } from '../network/nft-ruleset.js';
import { applyOverride } from './container-config.js';
import type { RunnerDeps } from './runner-deps.js';
import { TaskFailure } from './task-failure.js';

export function sandboxSpecFor(deps: RunnerDeps, state: LocalTaskState): SandboxSpec {
  return {
    id: state.taskId,
    dir: join(deps.runtimeDir, state.taskId),
    netnsPath: deps.network.pathFor(state.taskId),
    cpuUnits: state.assignment.size.cpu,
    memoryMiB: state.assignment.size.memory,
    hostname: hostnameFor(state),
    ...(state.containers.length === 1 ? { soleContainerId: state.containers[0]!.runtimeId } : {}),
  };
}

function hostnameFor(state: LocalTaskState): string {
  return `ip-task-${state.taskId.slice(0, 12)}`;
}

export async function prepareTask(
  deps: RunnerDeps, state: LocalTaskState, onTimes: (t: { pullStartedAt?: number; pullStoppedAt?: number }) => void,
  mark: (name: string) => void = () => undefined,
): Promise<{ imageDigests: Map<string, string> }> {
  const def = state.assignment.taskDefinition as unknown as TaskDefinitionBody;
  const overrides = (state.assignment.overrides.containerOverrides ?? []) as { name?: string }[];
  const containers = (def.containerDefinitions ?? []).map((c) => applyOverride(c, overrides.find((o) => o.name === c.name)));

  // The ENI, the disk and the pulls need nothing of each other: start them together. The sandbox
  // needs only the namespace (for a one-container task it boots later, with the container); the
  // root filesystems and specs need the disk and the images, and the namespace only by its path.
  mark('prepare');
  const netns = deps.network.create(state.taskId, state.assignment.eni, (step) => mark(`network:${step}`));
  mark('networkCalled');
  const sandbox = netns.then((netnsPath) => {
    mark('network');
    return deps.runtime.createSandbox({ ...sandboxSpecFor(deps, state), netnsPath });
  });
  sandbox.then(() => mark('sandbox'), () => undefined);
  const diskReady = deps.storage.createTaskDisk(state.taskId, state.assignment.size.ephemeralStorageGiB);
  mark('diskCalled');
  diskReady.then(() => mark('disk'), () => undefined);

  const pullStartedAt = state.pullStartedAt ?? deps.clock.now();
  onTimes({ pullStartedAt });
  const pulled = new Map<string, PulledImage>();
  let secrets: TaskSecretsResponse = { environment: {}, registryCredentials: {} };
  try {
    secrets = await fetchSecrets(deps, state, containers);
    await Promise.all(containers.map(async (c) => {
      const registryCredentials = secrets.registryCredentials[c.name!];
      try {
        pulled.set(c.name!, await deps.images.pull(c.image!, state.taskId, {
          ...deps.pullOptions(c.image!), ...(registryCredentials ? { credentials: registryCredentials } : {}),
        }));
      } catch (err) {
        const msg = err instanceof ImagePullError ? err.message : coerceError(err).message;
        throw new TaskFailure('TaskFailedToStart', `CannotPullContainerError: ${msg}`.slice(0, 1024));
      }
    }));
  } catch (err) {
    // Let the namespace, sandbox and disk finish first, so clean-up never races their creation.
    await Promise.allSettled([sandbox, diskReady]);
    throw err;
  }
  mark('pulled');
  onTimes({ pullStartedAt, pullStoppedAt: state.pullStoppedAt ?? deps.clock.now() });
  const disk = await diskReady.catch(async (err: unknown) => {
    await Promise.allSettled([sandbox]);
    throw err;
  });
  try {
    await writeBundles(deps, state, containers, disk, pulled, secrets.environment, mark);
  } catch (err) {
    await Promise.allSettled([sandbox]); // clean-up must not race the namespace's creation
    throw err;
  }
  await sandbox; // and so the namespace
  return { imageDigests: new Map([...pulled].map(([name, p]) => [name, p.manifestDigest])) };
}

/** Mounts each container's root filesystem and writes its spec.json. */
async function writeBundles(
  deps: RunnerDeps, state: LocalTaskState, containers: ContainerDefinition[], disk: TaskDisk, pulled: Map<string, PulledImage>,
  secrets: TaskSecretsResponse['environment'], mark: (name: string) => void,
): Promise<void> {
  const def = state.assignment.taskDefinition as unknown as TaskDefinitionBody;
  const netnsPath = deps.network.pathFor(state.taskId);
  const volumeDirs = await resolveVolumes(deps, disk, def.volumes ?? []);
  for (const [i, c] of containers.entries()) {
    const local = state.containers[i]!;
    mkdirSync(local.dir, { recursive: true });
    const image = pulled.get(c.name!)!;
    // Mounted writable: the runtime still has to create mount points in it; readonlyRootFilesystem
    // is enforced by the OCI spec (root.readonly), as Docker does.
    mark(`mountRootfs:${c.name!}`);
    const rootfs = await deps.storage.mountRootfs(disk, c.name!, image.layers.map((l) => l.dir));
    mark(`rootfs:${c.name!}`);
    const spec = deps.buildSpec({
      taskId: state.taskId,
      runtimeId: local.runtimeId,
      container: c,
      image: image.config,
      rootfs,
      mounts: mountsFor(c, containers, volumeDirs),
      injectedEnv: {
        AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE',
        AWS_REGION: deps.region,
        AWS_DEFAULT_REGION: deps.region,
        // The endpoint is reached over the task's ENI; a task without one has no route to it.
        ...(state.assignment.eni ? metadataEnv(local.runtimeId) : {}),
        ...(state.assignment.eni && state.assignment.taskRole
          ? { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${state.assignment.taskRole.credentialsId}` }
          : {}),
        // Pier's API, so SDKs and CLIs that honour AWS_ENDPOINT_URL call Pier with no configuration.
        ...(state.assignment.eni && deps.taskApiPort !== undefined ? { AWS_ENDPOINT_URL: `http://${METADATA_ADDRESS}:${deps.taskApiPort}` } : {}),
      },
      environmentFiles: {},
      ...(secrets[c.name!] ? { secrets: secrets[c.name!] } : {}),
      netnsPath,
      hostname: hostnameFor(state),
      taskLimits: { cpuUnits: state.assignment.size.cpu, memoryMiB: state.assignment.size.memory },
    });
    writeFileSync(join(local.dir, 'spec.json'), JSON.stringify(spec));
    mark(`spec:${c.name!}`);
  }
}

/**
 * The task's `secrets` and `repositoryCredentials`, which the control plane reads as the task's
 * execution role, after checking that role may pull the task's images from the built-in registry
 * and write its logs; fetched on every prepare and never written to the agent's state. A refusal
 * fails the task as ECS does, with the control plane's reason.
 */
const START_REFUSALS = new Set(['ResourceInitializationError', 'CannotPullContainerError']);

async function fetchSecrets(deps: RunnerDeps, state: LocalTaskState, containers: readonly ContainerDefinition[]): Promise<TaskSecretsResponse> {
  const none: TaskSecretsResponse = { environment: {}, registryCredentials: {} };
  const def = state.assignment.taskDefinition as unknown as TaskDefinitionBody;
  const executionRole = (state.assignment.overrides as { executionRoleArn?: string }).executionRoleArn || def.executionRoleArn;
  if (!needsStartSecrets(containers) && !executionRole) return none;
  if (!deps.taskSecrets) {
    throw new TaskFailure('TaskFailedToStart', 'ResourceInitializationError: unable to pull secrets or registry auth: this agent has no control plane to read them from');
  }
  try {
    return await deps.taskSecrets(state.taskArn);
  } catch (err) {
    if (err instanceof ControlPlaneError && START_REFUSALS.has(err.code)) throw new TaskFailure('TaskFailedToStart', err.message.slice(0, 1024));
    throw err;
  }
}

/** The variables that point a container at the task metadata endpoint, as Fargate sets them. */
export function metadataEnv(runtimeId: string): Record<string, string> {
  return {
    ECS_CONTAINER_METADATA_URI_V4: `http://${METADATA_ADDRESS}/v4/${runtimeId}`,
    ECS_CONTAINER_METADATA_URI: `http://${METADATA_ADDRESS}/v3/${runtimeId}`,
  };
}

async function resolveVolumes(deps: RunnerDeps, disk: TaskDisk, volumes: Volume[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const v of volumes) {
    const efs = v.efsVolumeConfiguration;
    if (efs) {
      const id = efs.fileSystemId.startsWith('arn:') ? efs.fileSystemId.slice(efs.fileSystemId.lastIndexOf('/') + 1) : efs.fileSystemId;
      out.set(v.name!, await deps.volumes.pathFor(id, efs.rootDirectory ?? '/'));
    } else {
      out.set(v.name!, await deps.storage.taskVolumeDir(disk, v.name!));
    }
  }
  return out;
}

function mountsFor(c: ContainerDefinition, all: ContainerDefinition[], volumeDirs: Map<string, string>): { source: string; destination: string; readOnly: boolean }[] {
  const mounts = (c.mountPoints ?? []).map((m) => ({ source: volumeDirs.get(m.sourceVolume!)!, destination: m.containerPath!, readOnly: m.readOnly === true }));
  for (const from of c.volumesFrom ?? []) {
    const source = all.find((x) => x.name === from.sourceContainer);
    for (const m of source?.mountPoints ?? []) {
      mounts.push({ source: volumeDirs.get(m.sourceVolume!)!, destination: m.containerPath!, readOnly: from.readOnly === true || m.readOnly === true });
    }
  }
  return mounts.filter((m) => m.source !== undefined);
}
