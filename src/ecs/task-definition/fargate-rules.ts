import { ClientException } from '../errors.js';
import type { PlatformFamily } from './fargate-sizes.js';
import { findFargateSizeProblem } from './resource-rules.js';
import { PRIVATE_ECR_IMAGE, containerLabel, invalidSetting, isNonEmptyString, isOutsideRange } from './rules-common.js';
import type { ContainerDefinition, LogDriver, RuntimePlatform, TaskDefinitionBody } from './types.js';
import { findFargateVolumeProblem } from './volume-rules.js';

export const FARGATE_LOG_DRIVERS: readonly LogDriver[] = ['awslogs', 'splunk', 'awsfirelens'];
export const FARGATE_CONTAINER_TIMEOUT = { min: 2, max: 120 } as const;
const FARGATE_ADDABLE_CAPABILITIES: readonly string[] = ['SYS_PTRACE'];
const UNSUPPORTED_LINUX_PARAMETERS = ['devices', 'sharedMemorySize', 'tmpfs', 'maxSwap', 'swappiness'] as const;

export function platformFamilyOf(runtimePlatform: RuntimePlatform | undefined): PlatformFamily {
  return runtimePlatform?.operatingSystemFamily?.startsWith('WINDOWS') === true ? 'windows' : 'linux';
}

function unsupported(feature: string, detail: string): ClientException {
  return new ClientException(`Tasks using the Fargate launch type do not support ${feature}. ${detail}`);
}

function findTaskLevelProblem(definition: TaskDefinitionBody, platform: PlatformFamily): ClientException | undefined {
  if (definition.networkMode !== 'awsvpc') return new ClientException("Fargate only supports network mode 'awsvpc'.");
  const cpu = definition.cpu === undefined ? undefined : Number(definition.cpu);
  const memory = definition.memory === undefined ? undefined : Number(definition.memory);
  const sizeProblem = findFargateSizeProblem(cpu, memory, platform);
  if (sizeProblem !== undefined) return sizeProblem;
  if (definition.ipcMode !== undefined) return new ClientException('Tasks using the Fargate launch type do not support ipcMode.');
  if (definition.pidMode !== undefined && platform === 'windows') {
    return new ClientException('Windows tasks using the Fargate launch type do not support pidMode.');
  }
  if (definition.pidMode !== undefined && definition.pidMode !== 'task') {
    return new ClientException(
      `Tasks using the Fargate launch type do not support pidMode '${definition.pidMode}'. The supported value for pidMode is 'task'.`,
    );
  }
  if (definition.placementConstraints.length > 0) {
    return unsupported('placementConstraints', `The task definition declares ${definition.placementConstraints.length}.`);
  }
  if ((definition.inferenceAccelerators ?? []).length > 0) {
    return unsupported('inferenceAccelerators', 'Remove them from the task definition.');
  }
  return findFargateVolumeProblem(definition.volumes);
}

function findLinuxParametersProblem(container: ContainerDefinition): ClientException | undefined {
  const parameters = container.linuxParameters;
  if (parameters === undefined) return undefined;
  const name = container.name ?? '';
  for (const field of UNSUPPORTED_LINUX_PARAMETERS) {
    if (parameters[field] !== undefined) return unsupported(`'linuxParameters.${field}'`, `Container '${name}' sets it.`);
  }
  const added = (parameters.capabilities?.add ?? []).find((cap) => !FARGATE_ADDABLE_CAPABILITIES.includes(cap));
  if (added !== undefined) {
    return unsupported(`adding the kernel capability '${added}'`, `Only SYS_PTRACE can be added; container '${name}' adds '${added}'.`);
  }
  return undefined;
}

function findTimeoutProblem(container: ContainerDefinition): ClientException | undefined {
  const { min, max } = FARGATE_CONTAINER_TIMEOUT;
  for (const field of ['startTimeout', 'stopTimeout'] as const) {
    const value = container[field];
    if (isOutsideRange(value, min, max)) {
      return new ClientException(invalidSetting(field, containerLabel(container.name),
        `On Fargate the value must be between ${min} and ${max} seconds; got ${value}.`));
    }
  }
  return undefined;
}

function findExecutionRoleProblem(container: ContainerDefinition, executionRoleArn: string | undefined): ClientException | undefined {
  if (isNonEmptyString(executionRoleArn)) return undefined;
  if (container.logConfiguration?.logDriver === 'awslogs') {
    return new ClientException(
      `Fargate requires task definition to have execution role ARN to support log driver awslogs. Container '${container.name ?? ''}' uses awslogs.`,
    );
  }
  if (PRIVATE_ECR_IMAGE.test(container.image ?? '')) {
    return new ClientException(
      `Fargate requires task definition to have execution role ARN to support ECR images. Container '${container.name ?? ''}' uses '${container.image ?? ''}'.`,
    );
  }
  return undefined;
}

function findContainerProblem(container: ContainerDefinition, definition: TaskDefinitionBody): ClientException | undefined {
  const name = container.name ?? '';
  if (container.privileged === true) {
    return unsupported('privileged containers', `Container '${name}' sets privileged to true.`);
  }
  const driver = container.logConfiguration?.logDriver;
  if (driver !== undefined && !FARGATE_LOG_DRIVERS.includes(driver)) {
    return unsupported(`log driver '${driver}'`,
      `Container '${name}' uses it; the supported log drivers are ${FARGATE_LOG_DRIVERS.join(', ')}.`);
  }
  if ((container.resourceRequirements ?? []).some((requirement) => requirement.type === 'GPU')) {
    return unsupported('GPU resource requirements', `Container '${name}' requests a GPU.`);
  }
  return findTimeoutProblem(container)
    ?? findLinuxParametersProblem(container)
    ?? findExecutionRoleProblem(container, definition.executionRoleArn);
}

/**
 * The first reason `definition` cannot run on Fargate, as the ClientException ECS returns when
 * FARGATE is required; undefined when it is Fargate-compatible. Expects the generic rules to have
 * passed and cpu/memory to be normalised unit strings.
 */
export function findFargateIncompatibility(definition: TaskDefinitionBody): ClientException | undefined {
  const platform = platformFamilyOf(definition.runtimePlatform);
  const taskProblem = findTaskLevelProblem(definition, platform);
  if (taskProblem !== undefined) return taskProblem;
  for (const container of definition.containerDefinitions) {
    const problem = findContainerProblem(container, definition);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
