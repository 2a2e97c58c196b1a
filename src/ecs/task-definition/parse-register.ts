import { ClientException } from '../errors.js';
import {
  validateAtLeastOneEssential, validateContainerCount, validateContainerDefinition, validateContainerNames,
  withContainerDefaults, type DefinitionContext,
} from './container-rules.js';
import { validateDependencies } from './dependency-rules.js';
import { findFargateIncompatibility } from './fargate-rules.js';
import { validateTaskPortUniqueness } from './port-rules.js';
import { computeRequiresAttributes } from './requires-attributes.js';
import {
  EPHEMERAL_STORAGE_GIB, parseTaskCpu, parseTaskMemory, validateContainerMemoryDeclared, validateContainersFitTask,
  validateEphemeralStorage, validateTaskSizeRange,
} from './resource-rules.js';
import { MAX_NAME_LENGTH, NAME_PATTERN, isNonEmptyString, withKeyOrder } from './rules-common.js';
import { validateTags } from './tags.js';
import type {
  Compatibility, ContainerDefinition, NetworkMode, RegisterTaskDefinitionRequest, TaskDefinitionBody, TaskSize,
} from './types.js';
import { validateVolumes } from './volume-rules.js';

export type { TaskDefinitionBody } from './types.js';

export interface ParsedTaskDefinition {
  family: string;
  /**
   * The TaskDefinition wire shape without the members the store assigns (ARN, revision, status,
   * timestamps, registeredBy): defaults filled as ECS shows them, cpu/memory as unit strings.
   */
  taskDefinition: TaskDefinitionBody;
  tags: { key: string; value: string }[];
  /** Sizes for placement: cpu units, memory MiB, ephemeral GiB (default 20). */
  size: TaskSize;
}

export const MAX_DEFINITION_BYTES = 65536;

/** TaskDefinition member order in the ECS model, which is the order ECS prints them in. */
const BODY_KEY_ORDER: readonly (keyof TaskDefinitionBody)[] = [
  'containerDefinitions', 'family', 'taskRoleArn', 'executionRoleArn', 'networkMode', 'volumes', 'requiresAttributes',
  'placementConstraints', 'compatibilities', 'runtimePlatform', 'requiresCompatibilities', 'cpu', 'memory',
  'inferenceAccelerators', 'pidMode', 'ipcMode', 'proxyConfiguration', 'ephemeralStorage', 'enableFaultInjection',
];
const COMPATIBILITY_ORDER: readonly Compatibility[] = ['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'];

function validateFamily(family: unknown): string {
  if (!isNonEmptyString(family)) throw new ClientException('Family can not be blank.');
  if (family.length > MAX_NAME_LENGTH) {
    throw new ClientException(`Family must be at most ${MAX_NAME_LENGTH} characters; got ${family.length}.`);
  }
  if (!NAME_PATTERN.test(family)) {
    throw new ClientException(
      `Family contains invalid characters. '${family}' may only use letters, numbers, hyphens and underscores.`,
    );
  }
  return family;
}

function validateDefinitionLength(request: RegisterTaskDefinitionRequest): void {
  const { tags: _tags, ...definition } = request;
  const bytes = Buffer.byteLength(JSON.stringify(definition), 'utf8');
  if (bytes > MAX_DEFINITION_BYTES) {
    throw new ClientException(`Actual length: '${bytes}'. Max allowed length is '${MAX_DEFINITION_BYTES}' bytes.`);
  }
}

function validateProxyConfiguration(request: RegisterTaskDefinitionRequest, containerNames: ReadonlySet<string>): void {
  const containerName = request.proxyConfiguration?.containerName;
  if (containerName !== undefined && !containerNames.has(containerName)) {
    throw new ClientException(
      `Invalid 'proxyConfiguration.containerName' setting for task. Container '${containerName}' is not defined in the task definition.`,
    );
  }
}

/** Rules for every launch type, in the order ECS reports them. */
function validateDefinitionContent(request: RegisterTaskDefinitionRequest, networkMode: NetworkMode): void {
  const containers = request.containerDefinitions;
  validateContainerCount(containers);
  validateContainerNames(containers);
  const volumeNames = validateVolumes(request.volumes ?? []);
  const context: DefinitionContext = {
    networkMode,
    containerNames: new Set(containers.map((container) => container.name ?? '')),
    volumeNames,
    executionRoleArn: request.executionRoleArn,
  };
  for (const container of containers) validateContainerDefinition(container, context);
  validateTaskPortUniqueness(containers, networkMode);
  validateDependencies(containers);
  validateAtLeastOneEssential(containers);
  validateProxyConfiguration(request, context.containerNames);
}

function compatibilitiesFor(required: readonly Compatibility[], fargateCompatible: boolean): Compatibility[] {
  return COMPATIBILITY_ORDER.filter((compatibility) =>
    compatibility === 'EC2' || (compatibility === 'FARGATE' ? fargateCompatible : required.includes(compatibility)));
}

function optionalArn(arn: string | undefined): string | undefined {
  return isNonEmptyString(arn) ? arn : undefined;
}

function buildBody(
  request: RegisterTaskDefinitionRequest,
  resolved: { networkMode: NetworkMode; cpu: number | undefined; memory: number | undefined },
): TaskDefinitionBody {
  const copy = structuredClone(request);
  const draft: TaskDefinitionBody = {
    containerDefinitions: copy.containerDefinitions.map((c) => withContainerDefaults(c, resolved.networkMode)),
    family: copy.family,
    taskRoleArn: optionalArn(copy.taskRoleArn),
    executionRoleArn: optionalArn(copy.executionRoleArn),
    networkMode: copy.networkMode,
    volumes: copy.volumes ?? [],
    requiresAttributes: [],
    placementConstraints: copy.placementConstraints ?? [],
    compatibilities: [],
    runtimePlatform: copy.runtimePlatform,
    requiresCompatibilities: copy.requiresCompatibilities,
    cpu: resolved.cpu === undefined ? undefined : String(resolved.cpu),
    memory: resolved.memory === undefined ? undefined : String(resolved.memory),
    inferenceAccelerators: copy.inferenceAccelerators,
    pidMode: copy.pidMode,
    ipcMode: copy.ipcMode,
    proxyConfiguration: copy.proxyConfiguration,
    ephemeralStorage: copy.ephemeralStorage,
    enableFaultInjection: copy.enableFaultInjection,
  };
  return withKeyOrder(draft, BODY_KEY_ORDER);
}

/** Without task-level values (EC2-style definitions) the task occupies what its containers reserve. */
function placementSize(
  containers: readonly ContainerDefinition[],
  cpu: number | undefined,
  memory: number | undefined,
  ephemeralStorageGiB: number | undefined,
): TaskSize {
  const total = (values: number[]): number => values.reduce((sum, value) => sum + value, 0);
  return {
    cpu: cpu ?? total(containers.map((c) => c.cpu ?? 0)),
    memory: memory ?? total(containers.map((c) => c.memoryReservation ?? c.memory ?? 0)),
    ephemeralStorageGiB: ephemeralStorageGiB ?? EPHEMERAL_STORAGE_GIB.default,
  };
}

/**
 * Semantic validation and normalisation of a RegisterTaskDefinition request. The caller has
 * already checked it against the model (types, required members, enums, min/max).
 * Throws ClientException for content ECS rejects, InvalidParameterException for malformed values.
 */
export function parseRegisterTaskDefinition(input: Record<string, unknown>): ParsedTaskDefinition {
  // Safe after the generic model-shape check; the rules below still guard the members they read.
  const shaped = input as unknown as RegisterTaskDefinitionRequest;
  const request: RegisterTaskDefinitionRequest = { ...shaped, containerDefinitions: shaped.containerDefinitions ?? [] };
  const family = validateFamily(request.family);
  const tags = validateTags(request.tags);
  validateDefinitionLength(request);

  const networkMode: NetworkMode = request.networkMode ?? 'bridge';
  validateDefinitionContent(request, networkMode);
  const cpu = request.cpu === undefined ? undefined : parseTaskCpu(request.cpu);
  const memory = request.memory === undefined ? undefined : parseTaskMemory(request.memory);
  validateTaskSizeRange(cpu, memory);
  validateEphemeralStorage(request.ephemeralStorage?.sizeInGiB);
  validateContainersFitTask(request.containerDefinitions, { cpu, memory });

  const required = request.requiresCompatibilities ?? [];
  const requiresFargate = required.includes('FARGATE');
  if (!requiresFargate && memory === undefined) validateContainerMemoryDeclared(request.containerDefinitions);

  const taskDefinition = buildBody(request, { networkMode, cpu, memory });
  const fargateProblem = findFargateIncompatibility(taskDefinition);
  if (requiresFargate && fargateProblem !== undefined) throw fargateProblem;
  taskDefinition.compatibilities = compatibilitiesFor(required, fargateProblem === undefined);
  taskDefinition.requiresAttributes = computeRequiresAttributes(taskDefinition);

  const size = placementSize(request.containerDefinitions, cpu, memory, request.ephemeralStorage?.sizeInGiB);
  return { family, taskDefinition, tags, size };
}
