/** The ECS operation table: each action name maps to its control-plane handler. */
import { InvalidParameterException } from '../ecs/errors.js';
import * as clusters from '../control-plane/clusters.js';
import { executeCommand, type ExecuteCommandInput } from '../control-plane/exec-sessions-command.js';
import type { ControlPlane } from '../control-plane/context.js';
import * as services from '../control-plane/services.js';
import * as protection from '../control-plane/services-protection.js';
import * as tagging from '../control-plane/tagging.js';
import * as taskDefinitions from '../control-plane/task-definitions.js';
import * as tasks from '../control-plane/tasks.js';
import type { JsonService, Operation } from './json-service.js';
import type { ServiceModel } from './model/service-model.js';
import { JsonText } from './protocol.js';

export function ecsService(cp: ControlPlane, model: ServiceModel): JsonService {
  // Inputs have passed the model check, so their members have the model's types.
  const op = <I>(fn: (cp: ControlPlane, input: I) => Promise<unknown>): Operation => (input) => fn(cp, input as I);
  const operations = new Map<string, Operation>([
    ['CreateCluster', op(clusters.createCluster)],
    ['DescribeClusters', op(clusters.describeClusters)],
    ['ListClusters', op(clusters.listClusters)],
    ['UpdateCluster', op(clusters.updateCluster)],
    ['UpdateClusterSettings', op(clusters.updateClusterSettings)],
    ['DeleteCluster', op(clusters.deleteCluster)],
    ['PutClusterCapacityProviders', op(clusters.putClusterCapacityProviders)],
    ['RegisterTaskDefinition', (input, ctx) => taskDefinitions.registerTaskDefinition(cp, input, ctx)],
    ['DescribeTaskDefinition', op(taskDefinitions.describeTaskDefinition)],
    ['ListTaskDefinitions', op(taskDefinitions.listTaskDefinitions)],
    ['ListTaskDefinitionFamilies', op(taskDefinitions.listTaskDefinitionFamilies)],
    ['DeregisterTaskDefinition', op(taskDefinitions.deregisterTaskDefinition)],
    ['DeleteTaskDefinitions', op(taskDefinitions.deleteTaskDefinitions)],
    ['RunTask', op(tasks.runTask)],
    ['DescribeTasks', op(describeTasks)],
    ['ListTasks', op(tasks.listTasks)],
    ['StopTask', op(tasks.stopTask)],
    ['ExecuteCommand', (input, ctx) => executeCommand(cp, input as unknown as ExecuteCommandInput, ctx)],
    ['CreateService', op(services.createService)],
    ['UpdateService', op(services.updateService)],
    ['DescribeServices', op(services.describeServices)],
    ['ListServices', op(services.listServices)],
    ['DeleteService', op(services.deleteService)],
    ['UpdateTaskProtection', op(protection.updateTaskProtection)],
    ['GetTaskProtection', op(protection.getTaskProtection)],
    ['TagResource', op(tagging.tagResource)],
    ['UntagResource', op(tagging.untagResource)],
    ['ListTagsForResource', op(tagging.listTagsForResource)],
  ]);
  return {
    signingName: 'ecs',
    model,
    operations,
    constraintError: (message) => new InvalidParameterException(message),
  };
}

/**
 * Without `include` the reply is the stored task documents spliced into the reply text: the same
 * JSON as stringifying the parsed tasks, without parsing ~1.4 KB per task and writing it back.
 */
async function describeTasks(cp: ControlPlane, input: tasks.DescribeTasksInput): Promise<unknown> {
  if (input.include?.length) return tasks.describeTasks(cp, input);
  const found = await tasks.describeTaskDocs(cp, input);
  return new JsonText(`{"tasks":[${found.tasks.join(',')}],"failures":${JSON.stringify(found.failures)}}`);
}
