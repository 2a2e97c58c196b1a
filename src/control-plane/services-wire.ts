/**
 * A service record as ECS shows it: the configuration, deployments with their running and
 * pending counts (from the service's tasks, read now), the newest events and optionally tags.
 */
import { arns } from '../ecs/arn.js';
import { PLATFORM_FAMILY, PLATFORM_VERSION } from '../ecs/enums.js';
import type { AccountScope } from '../ecs/arn.js';
import type { DeploymentRecord, Repos, ServiceRecord, TaskRecord } from '../store/store.js';

const PENDING = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);

/** Members of the record body that DescribeServices shows as they are stored. */
const BODY_MEMBERS = [
  'capacityProviderStrategy', 'launchType', 'taskDefinition', 'desiredCount', 'deploymentConfiguration', 'networkConfiguration',
  'loadBalancers', 'serviceRegistries', 'healthCheckGracePeriodSeconds', 'placementConstraints', 'placementStrategy',
  'schedulingStrategy', 'deploymentController', 'enableECSManagedTags', 'propagateTags', 'enableExecuteCommand', 'roleArn',
  'platformVersion', 'platformFamily', 'createdBy', 'availabilityZoneRebalancing',
] as const;

/** The service's tasks: all of them (STOPPED ones still retained included), or those with this desiredStatus. */
export async function serviceTasks(repos: Repos, s: Pick<ServiceRecord, 'clusterName' | 'name'>, desiredStatus?: 'RUNNING'): Promise<TaskRecord[]> {
  const out: TaskRecord[] = [];
  let afterId: string | undefined;
  do {
    const page = await repos.tasks.list({
      clusterName: s.clusterName, serviceName: s.name, limit: 1000, ...(desiredStatus ? { desiredStatus } : {}), ...(afterId ? { afterId } : {}),
    });
    out.push(...page.items);
    afterId = page.nextKey;
  } while (afterId);
  return out;
}

function counts(tasks: readonly TaskRecord[], deploymentId?: string): { runningCount: number; pendingCount: number } {
  const mine = deploymentId === undefined ? tasks : tasks.filter((t) => t.startedBy === deploymentId);
  return {
    runningCount: mine.filter((t) => t.task.lastStatus === 'RUNNING').length,
    pendingCount: mine.filter((t) => PENDING.has(t.task.lastStatus)).length,
  };
}

function deploymentToWire(d: DeploymentRecord, tasks: readonly TaskRecord[]): Record<string, unknown> {
  return {
    id: d.id,
    status: d.status,
    taskDefinition: d.taskDefinition,
    desiredCount: d.desiredCount,
    ...counts(tasks, d.id),
    failedTasks: d.failedTasks,
    createdAt: d.createdAt / 1000,
    updatedAt: d.updatedAt / 1000,
    ...(d.capacityProviderStrategy ? { capacityProviderStrategy: d.capacityProviderStrategy } : { launchType: d.launchType ?? 'FARGATE' }),
    platformVersion: PLATFORM_VERSION,
    platformFamily: PLATFORM_FAMILY,
    ...(d.networkConfiguration ? { networkConfiguration: d.networkConfiguration } : {}),
    rolloutState: d.rolloutState,
    rolloutStateReason: d.rolloutStateReason,
  };
}

export async function serviceToWire(
  repos: Repos, scope: AccountScope, r: ServiceRecord, opts: { tags?: boolean } = {},
): Promise<Record<string, unknown>> {
  const tasks = r.status === 'INACTIVE' ? [] : await serviceTasks(repos, r, 'RUNNING');
  const events = await repos.services.events(r.clusterName, r.name, 100);
  const wire: Record<string, unknown> = {
    serviceArn: r.arn,
    serviceName: r.name,
    clusterArn: arns.cluster(scope, r.clusterName),
    status: r.status,
    ...counts(tasks),
  };
  for (const key of BODY_MEMBERS) if (r.body[key] !== undefined) wire[key] = r.body[key];
  wire.deployments = r.deployments.map((d) => deploymentToWire(d, tasks));
  wire.events = events.map((e) => ({ id: e.id, createdAt: e.createdAt / 1000, message: e.message }));
  wire.createdAt = r.createdAt / 1000;
  if (opts.tags) wire.tags = await repos.tags.get(r.arn);
  return wire;
}
