/**
 * ECS calls as IAM authorises them: clusters for cluster calls, task ARNs for task calls,
 * service ARNs for service calls, the task definition for RunTask/StartTask, and the `ecs:cluster`
 * condition key (the cluster's ARN) on calls made within a cluster, so a policy can hold a user to
 * one cluster with `"Condition": {"ArnEquals": {"ecs:cluster": "<cluster ARN>"}}`.
 */
import { arns, clusterNameOf, taskDefinitionRefOf, taskIdOf } from '../ecs/arn.js';
import { ANY, arnPrefix, str, strs, type ActionTarget, type Input, type MapEnv } from './action-map-shared.js';

/** Calls made within one cluster (the `cluster` member, `default` when absent), which set ecs:cluster. */
const IN_CLUSTER = new Set([
  'RunTask', 'StartTask', 'StopTask', 'DescribeTasks', 'ListTasks', 'CreateService', 'UpdateService', 'DeleteService',
  'DescribeServices', 'ListServices', 'UpdateTaskProtection', 'GetTaskProtection', 'ExecuteCommand', 'ListServiceDeployments',
  'ListContainerInstances', 'DescribeContainerInstances', 'PutAttributes', 'DeleteAttributes', 'ListAttributes',
]);
/** Calls on the cluster itself. */
const ON_CLUSTER = new Set(['DeleteCluster', 'UpdateCluster', 'UpdateClusterSettings', 'PutClusterCapacityProviders', 'ListContainerInstances']);

function clusterArn(env: MapEnv, given: string | undefined): string {
  const name = given === undefined ? 'default' : clusterNameOf(given);
  return given?.startsWith('arn:') ? given : arns.cluster(env.scope, name ?? given ?? 'default');
}

async function taskDefinitionArn(env: MapEnv, ref: string | undefined): Promise<string | undefined> {
  if (ref === undefined) return undefined;
  if (ref.startsWith('arn:')) return ref;
  const parsed = taskDefinitionRefOf(ref);
  if (!parsed) return undefined;
  const revision = parsed.revision ?? (await env.repos.taskDefinitions.latestActive(parsed.family))?.revision;
  return revision === undefined ? `${arnPrefix(env.scope, 'ecs')}:task-definition/${parsed.family}` : arns.taskDefinition(env.scope, parsed.family, revision);
}

function taskArns(env: MapEnv, cluster: string, tasks: readonly string[]): string[] {
  const name = clusterNameOf(cluster) ?? cluster;
  return tasks.map((t) => (t.startsWith('arn:') ? t : arns.task(env.scope, taskIdOf(t)?.cluster ?? name, taskIdOf(t)?.id ?? t)));
}

function serviceArns(env: MapEnv, cluster: string, services: readonly string[]): string[] {
  const name = clusterNameOf(cluster) ?? cluster;
  return services.map((s) => (s.startsWith('arn:') ? s : arns.service(env.scope, name, s)));
}

async function resources(operation: string, input: Input, env: MapEnv, cluster: string): Promise<readonly string[]> {
  if (ON_CLUSTER.has(operation)) return [cluster];
  switch (operation) {
    case 'DescribeClusters':
      return (strs(input['clusters']).length > 0 ? strs(input['clusters']) : ['default']).map((c) => clusterArn(env, c));
    case 'RunTask':
    case 'StartTask': {
      const arn = await taskDefinitionArn(env, str(input['taskDefinition']));
      return arn ? [arn] : ['*'];
    }
    case 'StopTask':
      return taskArns(env, cluster, [str(input['task']) ?? '']);
    case 'DescribeTasks':
    case 'UpdateTaskProtection':
    case 'GetTaskProtection':
      return taskArns(env, cluster, strs(input['tasks']));
    case 'ExecuteCommand':
      return [cluster, ...taskArns(env, cluster, [str(input['task']) ?? ''])];
    case 'CreateService':
      return serviceArns(env, cluster, [str(input['serviceName']) ?? '']);
    case 'UpdateService':
    case 'DeleteService':
      return serviceArns(env, cluster, [str(input['service']) ?? '']);
    case 'DescribeServices':
      return serviceArns(env, cluster, strs(input['services']));
    case 'DeleteTaskDefinitions':
      return (await Promise.all(strs(input['taskDefinitions']).map((t) => taskDefinitionArn(env, t)))).filter((a) => a !== undefined);
    case 'TagResource':
    case 'UntagResource':
    case 'ListTagsForResource':
      return [str(input['resourceArn']) ?? '*'];
    default:
      return ['*'];
  }
}

export async function ecsTarget(operation: string, input: Input, env: MapEnv): Promise<ActionTarget> {
  const cluster = clusterArn(env, str(input['cluster']));
  const list = await resources(operation, input, env, cluster);
  const target = { resources: list.length > 0 ? list : ANY.resources };
  return IN_CLUSTER.has(operation) ? { ...target, context: { 'ecs:cluster': cluster } } : target;
}
