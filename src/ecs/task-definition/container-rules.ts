import { ClientException } from '../errors.js';
import { validatePortMappings, withPortMappingDefaults } from './port-rules.js';
import {
  MAX_NAME_LENGTH, NAME_PATTERN, containerLabel, firstDuplicate, invalidSetting, isNonEmptyString,
  requireIntegerInRange, requireNonNegativeInteger, withKeyOrder,
} from './rules-common.js';
import type { ContainerDefinition, NetworkMode } from './types.js';

/** What a single container's rules need to know about the rest of the definition. */
export interface DefinitionContext {
  /** Effective mode: ECS treats an omitted networkMode as bridge. */
  networkMode: NetworkMode;
  containerNames: ReadonlySet<string>;
  volumeNames: ReadonlySet<string>;
  executionRoleArn: string | undefined;
}

export const MAX_CONTAINERS = 10;
export const HEALTH_CHECK_LIMITS = {
  interval: { min: 5, max: 300, unit: 'seconds' },
  timeout: { min: 2, max: 60, unit: 'seconds' },
  retries: { min: 1, max: 10 },
  startPeriod: { min: 0, max: 300, unit: 'seconds' },
} as const;
export const RESTART_ATTEMPT_PERIOD = { min: 60, max: 1800, unit: 'seconds' } as const;
export const MAX_IGNORED_EXIT_CODES = 50;
const AWSLOGS_REQUIRED_OPTIONS = ['awslogs-region', 'awslogs-group'] as const;

export function isEssential(container: ContainerDefinition): boolean {
  return container.essential ?? true;
}

export function validateContainerCount(containers: readonly ContainerDefinition[]): void {
  if (containers.length === 0) throw new ClientException('Container list cannot be empty.');
  if (containers.length > MAX_CONTAINERS) {
    throw new ClientException(
      `Too many containers. A task definition can have at most ${MAX_CONTAINERS} containers; got ${containers.length}.`,
    );
  }
}

export function validateContainerNames(containers: readonly ContainerDefinition[]): void {
  for (const container of containers) {
    const name = container.name;
    if (!isNonEmptyString(name)) throw new ClientException('Container.name should not be null or empty.');
    if (!NAME_PATTERN.test(name)) {
      throw new ClientException(
        `Container.name contains invalid characters. Container '${name}' may only use letters, numbers, hyphens and underscores.`,
      );
    }
    if (name.length > MAX_NAME_LENGTH) {
      throw new ClientException(
        `Container.name must be at most ${MAX_NAME_LENGTH} characters; '${name.slice(0, 32)}...' has ${name.length}.`,
      );
    }
  }
  const duplicate = firstDuplicate(containers.map((c) => c.name));
  if (duplicate !== undefined) {
    throw new ClientException(`Container names must be unique within a Task Definition. Duplicate name: '${duplicate}'.`);
  }
}

export function validateAtLeastOneEssential(containers: readonly ContainerDefinition[]): void {
  if (!containers.some(isEssential)) {
    throw new ClientException('Task definition must have at least one essential container. All containers set essential to false.');
  }
}

function validateImage(container: ContainerDefinition): void {
  if (!isNonEmptyString(container.image)) {
    throw new ClientException(`Container.image should not be null or empty. Container '${container.name ?? ''}' has no image.`);
  }
}

function validateContainerResources(container: ContainerDefinition): void {
  const label = containerLabel(container.name);
  requireNonNegativeInteger(container.cpu, 'cpu', label);
  for (const field of ['memory', 'memoryReservation'] as const) {
    const value = container[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new ClientException(invalidSetting(field, label, `The value must be a positive number of MiB; got ${value}.`));
    }
  }
  const { memory, memoryReservation } = container;
  if (memory !== undefined && memoryReservation !== undefined && memory <= memoryReservation) {
    throw new ClientException(invalidSetting('memory', label,
      `'memory' (${memory} MiB) must be greater than 'memoryReservation' (${memoryReservation} MiB).`));
  }
}

function validateHealthCheck(container: ContainerDefinition): void {
  const check = container.healthCheck;
  if (check === undefined) return;
  const label = containerLabel(container.name);
  const [kind, ...rest] = check.command ?? [];
  const runsSomething = (kind === 'CMD' || kind === 'CMD-SHELL') && rest.length > 0;
  if (!runsSomething && kind !== 'NONE') {
    throw new ClientException(invalidSetting('healthCheck.command', label,
      "The command must start with 'CMD' or 'CMD-SHELL' followed by the command to run, or be 'NONE'."));
  }
  for (const field of ['interval', 'timeout', 'retries', 'startPeriod'] as const) {
    requireIntegerInRange(check[field], HEALTH_CHECK_LIMITS[field], `healthCheck.${field}`, label);
  }
}

function validateRestartPolicy(container: ContainerDefinition): void {
  const policy = container.restartPolicy;
  if (policy === undefined) return;
  const label = containerLabel(container.name);
  const ignored = policy.ignoredExitCodes ?? [];
  if (ignored.length > MAX_IGNORED_EXIT_CODES) {
    throw new ClientException(invalidSetting('restartPolicy.ignoredExitCodes', label,
      `At most ${MAX_IGNORED_EXIT_CODES} exit codes can be ignored; got ${ignored.length}.`));
  }
  requireIntegerInRange(policy.restartAttemptPeriod, RESTART_ATTEMPT_PERIOD, 'restartPolicy.restartAttemptPeriod', label);
}

function validateNetworkingFields(container: ContainerDefinition, ctx: DefinitionContext): void {
  const label = containerLabel(container.name);
  const links = container.links ?? [];
  if (links.length > 0 && ctx.networkMode !== 'bridge') {
    throw new ClientException(
      `links are not supported on ${label} when networkMode=${ctx.networkMode}. Links need networkMode=bridge.`,
    );
  }
  for (const link of links) {
    const target = link.split(':')[0] ?? '';
    if (!ctx.containerNames.has(target) || target === container.name) {
      throw new ClientException(invalidSetting('links', label, `'${link}' must name another container in the task definition.`));
    }
  }
  if (container.hostname !== undefined && ctx.networkMode === 'awsvpc') {
    throw new ClientException(`hostname is not supported on container when networkMode=awsvpc. Container '${container.name ?? ''}' sets hostname.`);
  }
}

function validateLogConfiguration(container: ContainerDefinition): void {
  const config = container.logConfiguration;
  if (config?.logDriver !== 'awslogs') return;
  const options = config.options ?? {};
  const missing = AWSLOGS_REQUIRED_OPTIONS.filter((option) => !isNonEmptyString(options[option]));
  if (missing.length > 0) {
    throw new ClientException(
      `Log driver awslogs requires options: ${missing.join(', ')}. They are missing in the logConfiguration of container '${container.name ?? ''}'.`,
    );
  }
}

function validateSecretsNeedExecutionRole(container: ContainerDefinition, ctx: DefinitionContext): void {
  const usesSecrets = (container.secrets ?? []).length > 0 || (container.logConfiguration?.secretOptions ?? []).length > 0;
  if (usesSecrets && !isNonEmptyString(ctx.executionRoleArn)) {
    throw new ClientException(
      `When you are specifying container secrets, you must also specify a value for 'executionRoleArn'. Container '${container.name ?? ''}' uses secrets.`,
    );
  }
}

function validateVolumeReferences(container: ContainerDefinition, ctx: DefinitionContext): void {
  const label = containerLabel(container.name);
  for (const mount of container.mountPoints ?? []) {
    if (!isNonEmptyString(mount.sourceVolume) || !ctx.volumeNames.has(mount.sourceVolume)) {
      throw new ClientException(invalidSetting('mountPoints.sourceVolume', label,
        `Volume '${mount.sourceVolume ?? ''}' is not declared in the task definition's volumes.`));
    }
    if (!isNonEmptyString(mount.containerPath)) {
      throw new ClientException(invalidSetting('mountPoints.containerPath', label,
        `The mount point for volume '${mount.sourceVolume}' needs a containerPath.`));
    }
  }
  for (const source of container.volumesFrom ?? []) {
    const target = source.sourceContainer;
    if (!isNonEmptyString(target) || !ctx.containerNames.has(target) || target === container.name) {
      throw new ClientException(invalidSetting('volumesFrom.sourceContainer', label,
        `'${target ?? ''}' must name another container in the task definition.`));
    }
  }
}

/** Rules that hold for every launch type. Fargate-only rules live in fargate-rules.ts. */
export function validateContainerDefinition(container: ContainerDefinition, ctx: DefinitionContext): void {
  const label = containerLabel(container.name);
  validateImage(container);
  validateContainerResources(container);
  validatePortMappings(container, ctx.networkMode);
  validateNetworkingFields(container, ctx);
  validateHealthCheck(container);
  validateRestartPolicy(container);
  requireNonNegativeInteger(container.startTimeout, 'startTimeout', label);
  requireNonNegativeInteger(container.stopTimeout, 'stopTimeout', label);
  validateLogConfiguration(container);
  validateSecretsNeedExecutionRole(container, ctx);
  validateVolumeReferences(container, ctx);
}

/** ContainerDefinition member order in the ECS model, which is the order ECS prints them in. */
const CONTAINER_KEY_ORDER: readonly (keyof ContainerDefinition)[] = [
  'name', 'image', 'repositoryCredentials', 'cpu', 'memory', 'memoryReservation', 'links', 'portMappings',
  'essential', 'restartPolicy', 'entryPoint', 'command', 'environment', 'environmentFiles', 'mountPoints',
  'volumesFrom', 'linuxParameters', 'secrets', 'dependsOn', 'startTimeout', 'stopTimeout', 'versionConsistency',
  'hostname', 'user', 'workingDirectory', 'disableNetworking', 'privileged', 'readonlyRootFilesystem', 'dnsServers',
  'dnsSearchDomains', 'extraHosts', 'dockerSecurityOptions', 'interactive', 'pseudoTerminal', 'dockerLabels',
  'ulimits', 'logConfiguration', 'healthCheck', 'systemControls', 'resourceRequirements', 'firelensConfiguration',
  'credentialSpecs',
];

/**
 * The container as DescribeTaskDefinition shows it: cpu 0 and essential true when omitted, empty
 * lists for portMappings/environment/mountPoints/volumesFrom/systemControls, port defaults filled.
 * Members outside the model are dropped.
 */
export function withContainerDefaults(container: ContainerDefinition, networkMode: NetworkMode): ContainerDefinition {
  const source: ContainerDefinition = structuredClone(container);
  const withDefaults: ContainerDefinition = {
    ...source,
    cpu: source.cpu ?? 0,
    essential: source.essential ?? true,
    portMappings: (source.portMappings ?? []).map((mapping) => withPortMappingDefaults(mapping, networkMode)),
    environment: source.environment ?? [],
    mountPoints: source.mountPoints ?? [],
    volumesFrom: source.volumesFrom ?? [],
    systemControls: source.systemControls ?? [],
  };
  return withKeyOrder(withDefaults, CONTAINER_KEY_ORDER);
}
