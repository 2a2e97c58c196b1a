import { PRIVATE_ECR_IMAGE, isNonEmptyString } from './rules-common.js';
import type { Attribute, ContainerDefinition, TaskDefinitionBody } from './types.js';


/** Capability attributes a container asks of its host, named as ECS names them. */
function containerAttributes(container: ContainerDefinition, definition: TaskDefinitionBody): string[] {
  const names: string[] = [];
  const hasExecutionRole = isNonEmptyString(definition.executionRoleArn);
  const driver = container.logConfiguration?.logDriver;
  if (driver !== undefined) names.push(`com.amazonaws.ecs.capability.logging-driver.${driver}`);
  if (driver === 'awslogs') {
    names.push('com.amazonaws.ecs.capability.docker-remote-api.1.19');
    if (hasExecutionRole) names.push('ecs.capability.execution-role-awslogs');
  }
  if (container.healthCheck !== undefined) names.push('ecs.capability.container-health-check');
  if ((container.dependsOn ?? []).length > 0) names.push('ecs.capability.container-ordering');
  if (hasExecutionRole && PRIVATE_ECR_IMAGE.test(container.image ?? '')) names.push('ecs.capability.execution-role-ecr-pull');
  const secretSources = [...(container.secrets ?? []), ...(container.logConfiguration?.secretOptions ?? [])]
    .map((secret) => secret.valueFrom);
  if (secretSources.some((source) => source.startsWith('arn:aws:secretsmanager:'))) {
    names.push('ecs.capability.secrets.asm.environment-variables');
  }
  if (secretSources.some((source) => !source.startsWith('arn:aws:secretsmanager:'))) {
    names.push('ecs.capability.secrets.ssm.environment-variables');
  }
  if (container.repositoryCredentials !== undefined) {
    names.push('com.amazonaws.ecs.capability.private-registry-authentication.secretsmanager');
  }
  if (container.firelensConfiguration !== undefined) {
    names.push(`ecs.capability.firelens.${container.firelensConfiguration.type}`);
  }
  return names;
}

function taskAttributes(definition: TaskDefinitionBody): string[] {
  const names: string[] = [];
  if (definition.networkMode === 'awsvpc') names.push('ecs.capability.task-eni');
  if (isNonEmptyString(definition.taskRoleArn)) names.push('com.amazonaws.ecs.capability.task-iam-role');
  const efsVolumes = definition.volumes.filter((volume) => volume.efsVolumeConfiguration !== undefined);
  if (efsVolumes.length > 0) names.push('ecs.capability.efs');
  if (efsVolumes.some((volume) => volume.efsVolumeConfiguration?.authorizationConfig !== undefined)) {
    names.push('ecs.capability.efsAuth');
  }
  return names;
}

/**
 * `requiresAttributes` as DescribeTaskDefinition lists them: the host capabilities the definition
 * relies on, each once, by name only. A subset of what ECS emits; nothing in Pier places on them.
 */
export function computeRequiresAttributes(definition: TaskDefinitionBody): Attribute[] {
  const names = [
    ...definition.containerDefinitions.flatMap((container) => containerAttributes(container, definition)),
    ...taskAttributes(definition),
  ];
  return [...new Set(names)].map((name) => ({ name }));
}
