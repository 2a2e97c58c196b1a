import { ClientException, InvalidParameterException } from '../errors.js';
import { platformFamilyOf } from './fargate-rules.js';
import {
  EPHEMERAL_STORAGE_GIB, findFargateSizeProblem, parseTaskCpu, parseTaskMemory, validateContainersFitTask,
  validateEphemeralStorage, type ContainerResources,
} from './resource-rules.js';
import { isNonEmptyString, withKeyOrder } from './rules-common.js';
import type { ContainerDefinition, ContainerOverride, TaskDefinitionBody, TaskOverride, TaskSize } from './types.js';

export { validateTags } from './tags.js';

export const MAX_OVERRIDES_LENGTH = 8192;

const CONTAINER_OVERRIDE_KEY_ORDER: readonly (keyof ContainerOverride)[] = [
  'name', 'command', 'environment', 'environmentFiles', 'cpu', 'memory', 'memoryReservation', 'resourceRequirements',
];
const TASK_OVERRIDE_KEY_ORDER: readonly (keyof TaskOverride)[] = [
  'containerOverrides', 'cpu', 'inferenceAcceleratorOverrides', 'executionRoleArn', 'memory', 'taskRoleArn',
  'ephemeralStorage',
];

function validateOverridesLength(overrides: TaskOverride): void {
  if (JSON.stringify(overrides).length > MAX_OVERRIDES_LENGTH) {
    throw new InvalidParameterException(`Container Overrides length must be at most ${MAX_OVERRIDES_LENGTH}`);
  }
}

function validateContainerOverride(override: ContainerOverride, known: ReadonlySet<string>): string {
  const name = override.name;
  if (!isNonEmptyString(name)) {
    throw new InvalidParameterException('Container override name must be specified: every containerOverrides entry needs a name.');
  }
  if (!known.has(name)) {
    throw new InvalidParameterException(`Override for container named ${name} is not a container in the TaskDefinition.`);
  }
  for (const field of ['cpu', 'memory', 'memoryReservation'] as const) {
    const value = override[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw new InvalidParameterException(
        `Invalid '${field}' override for container '${name}'. The value must be a non-negative integer; got ${value}.`,
      );
    }
  }
  if ((override.resourceRequirements ?? []).some((requirement) => requirement.type === 'GPU')) {
    throw new InvalidParameterException(
      `Tasks using the Fargate launch type do not support GPU resource requirements. The override for container '${name}' requests a GPU.`,
    );
  }
  return name;
}

/** Validates each container override and indexes them by container name. */
function indexContainerOverrides(
  overrides: readonly ContainerOverride[],
  containers: readonly ContainerDefinition[],
): Map<string, ContainerOverride> {
  const known = new Set(containers.map((container) => container.name ?? ''));
  const byName = new Map<string, ContainerOverride>();
  for (const override of overrides) {
    const name = validateContainerOverride(override, known);
    if (byName.has(name)) {
      throw new InvalidParameterException(`Container '${name}' appears more than once in containerOverrides.`);
    }
    byName.set(name, override);
  }
  return byName;
}

/** The container's resources once its override (if any) is applied. */
function effectiveResources(container: ContainerDefinition, override: ContainerOverride | undefined): ContainerResources {
  return {
    name: container.name,
    cpu: override?.cpu ?? container.cpu,
    memory: override?.memory ?? container.memory,
    memoryReservation: override?.memoryReservation ?? container.memoryReservation,
  };
}

function validateMemoryAboveReservation(resources: ContainerResources): void {
  const { memory, memoryReservation } = resources;
  if (memory !== undefined && memoryReservation !== undefined && memory <= memoryReservation) {
    throw new InvalidParameterException(
      `Invalid memory override for container '${resources.name ?? ''}'. 'memory' (${memory} MiB) must be greater than 'memoryReservation' (${memoryReservation} MiB).`,
    );
  }
}

function resolveTaskSize(definition: TaskDefinitionBody, overrides: TaskOverride): TaskSize {
  const cpuText = overrides.cpu ?? definition.cpu;
  const memoryText = overrides.memory ?? definition.memory;
  const cpu = cpuText === undefined ? undefined : parseTaskCpu(cpuText, 'task override');
  const memory = memoryText === undefined ? undefined : parseTaskMemory(memoryText, 'task override');
  const problem = findFargateSizeProblem(cpu, memory, platformFamilyOf(definition.runtimePlatform));
  if (problem !== undefined) throw problem;
  // findFargateSizeProblem reports a missing cpu or memory, so both are set from here on.
  if (cpu === undefined || memory === undefined) throw new ClientException("Fargate requires task-level 'cpu' and 'memory'.");
  const ephemeral = overrides.ephemeralStorage?.sizeInGiB;
  validateEphemeralStorage(ephemeral, 'task override', InvalidParameterException);
  return {
    cpu,
    memory,
    ephemeralStorageGiB: ephemeral ?? definition.ephemeralStorage?.sizeInGiB ?? EPHEMERAL_STORAGE_GIB.default,
  };
}

/** The override as ECS echoes it on the task: one entry per container, task cpu/memory as unit strings. */
function normaliseOverrides(
  definition: TaskDefinitionBody,
  overrides: TaskOverride,
  byName: ReadonlyMap<string, ContainerOverride>,
  size: TaskSize,
): TaskOverride {
  const containerOverrides = definition.containerDefinitions.map((container) => {
    const name = container.name ?? '';
    return withKeyOrder({ ...structuredClone(byName.get(name) ?? {}), name }, CONTAINER_OVERRIDE_KEY_ORDER);
  });
  const echoed: TaskOverride = {
    containerOverrides,
    cpu: overrides.cpu === undefined ? undefined : String(size.cpu),
    inferenceAcceleratorOverrides: [],
    executionRoleArn: overrides.executionRoleArn,
    memory: overrides.memory === undefined ? undefined : String(size.memory),
    taskRoleArn: overrides.taskRoleArn,
    ephemeralStorage: overrides.ephemeralStorage === undefined ? undefined : { sizeInGiB: size.ephemeralStorageGiB },
  };
  return withKeyOrder(echoed, TASK_OVERRIDE_KEY_ORDER);
}

/**
 * Validates RunTask `overrides` against the task definition; returns the effective size and the
 * normalised override to echo on the task. Fargate sizes apply: the effective cpu/memory pair
 * (override, else the definition's value) must be in the Fargate table.
 */
export function parseTaskOverrides(
  taskDefinition: TaskDefinitionBody,
  overrides: TaskOverride | undefined,
): { overrides: TaskOverride; size: TaskSize } {
  const requested = overrides ?? {};
  validateOverridesLength(requested);
  if ((requested.inferenceAcceleratorOverrides ?? []).length > 0) {
    throw new InvalidParameterException('Tasks using the Fargate launch type do not support inferenceAcceleratorOverrides.');
  }
  const byName = indexContainerOverrides(requested.containerOverrides ?? [], taskDefinition.containerDefinitions);
  const size = resolveTaskSize(taskDefinition, requested);
  const effective = taskDefinition.containerDefinitions.map((c) => effectiveResources(c, byName.get(c.name ?? '')));
  effective.forEach(validateMemoryAboveReservation);
  validateContainersFitTask(effective, { cpu: size.cpu, memory: size.memory });
  return { overrides: normaliseOverrides(taskDefinition, requested, byName, size), size };
}
