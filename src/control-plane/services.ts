/**
 * ECS service actions: CreateService, UpdateService, DescribeServices, ListServices,
 * DeleteService. They write desired state (the service, its deployments) and return; the service
 * controller converges tasks to it (controllers/service-controller.ts).
 */
import { createHash } from 'node:crypto';
import { arns, clusterNameOf, parseArn, resourceType } from '../ecs/arn.js';
import {
  ClusterNotFoundException, InvalidParameterException, ServiceNotActiveException, ServiceNotFoundException,
} from '../ecs/errors.js';
import type { Failure } from '../ecs/wire.js';
import { validateTags } from '../ecs/task-definition/parse-overrides.js';
import { beginDeployment, changesDeployment, deploymentIdFrom, type DeploymentConfig } from '../scheduler/deployments.js';
import type { ClusterRecord, Repos, ServiceRecord } from '../store/store.js';
import { activeCluster, clusterForLaunch, clusterNameFor, DEFAULT_CLUSTER } from './clusters.js';
import type { ControlPlane } from './context.js';
import { nudgeServiceController } from './controllers/service-controller.js';
import { decodeToken, encodeToken, pageSize } from './pagination.js';
import {
  checkDefinitionForService, checkServiceConfig, checkTargetGroups, checkServiceName, checkServiceNetwork, compileDeploymentConfiguration,
  compileLaunch, compileLoadBalancers, type CompiledDeploymentConfiguration, type CreateServiceInput, type UpdateServiceInput,
} from './services-input.js';
import { serviceToWire } from './services-wire.js';
import { resolveTaskDefinition } from './task-definitions.js';

type ServiceWire = Record<string, unknown>;

export async function createService(cp: ControlPlane, input: CreateServiceInput): Promise<{ service: ServiceWire }> {
  checkServiceName(input.serviceName);
  checkServiceConfig(input);
  if (input.schedulingStrategy === 'DAEMON') throw new InvalidParameterException('The DAEMON scheduling strategy is not supported for tasks on Fargate.');
  if (input.desiredCount === undefined) throw new InvalidParameterException('desiredCount is required for services using the REPLICA scheduling strategy.');
  if (input.taskDefinition === undefined) throw new InvalidParameterException('A task definition must be specified for a service using the ECS deployment controller.');
  const tags = validateTags(input.tags ?? []);
  const deploymentConfiguration = compileDeploymentConfiguration(input.deploymentConfiguration);
  const requestHash = hashOf(input);
  const record = await cp.store.transaction(async (tx) => {
    const cluster = await clusterForService(cp, tx, input.cluster);
    const existing = await tx.services.get(cluster.name, input.serviceName);
    if (existing && existing.status !== 'INACTIVE') {
      if (existing.body.createRequestHash === requestHash) return existing;
      throw new InvalidParameterException('Creation of service was not idempotent.');
    }
    const def = await resolveTaskDefinition(tx, input.taskDefinition!);
    checkDefinitionForService(def);
    const awsvpc = await checkServiceNetwork(tx, def, input.networkConfiguration);
    const loadBalancers = compileLoadBalancers(input.loadBalancers, def);
    await checkTargetGroups(tx, loadBalancers, awsvpc);
    const launch = compileLaunch(cluster, input.launchType, input.capacityProviderStrategy);
    const now = cp.clock.now();
    const config: DeploymentConfig = { taskDefinition: def.arn, ...launch, ...networkOf(input) };
    const next: ServiceRecord = {
      clusterName: cluster.name, name: input.serviceName, arn: arns.service(cp.scope, cluster.name, input.serviceName), status: 'ACTIVE',
      body: {
        ...launch, taskDefinition: def.arn, desiredCount: input.desiredCount, deploymentConfiguration, ...networkOf(input),
        loadBalancers, serviceRegistries: [], placementConstraints: [], placementStrategy: [], schedulingStrategy: 'REPLICA',
        deploymentController: { type: 'ECS' }, platformVersion: input.platformVersion ?? 'LATEST', platformFamily: 'Linux',
        ...(input.healthCheckGracePeriodSeconds !== undefined ? { healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds } : {}),
        propagateTags: input.propagateTags ?? 'NONE', enableECSManagedTags: input.enableECSManagedTags ?? false,
        enableExecuteCommand: input.enableExecuteCommand ?? false, ...(input.role ? { roleArn: input.role } : {}),
        createRequestHash: requestHash,
      },
      deployments: beginDeployment([], deploymentIdFrom(cp.ids.hex32()), config, input.desiredCount!, now),
      scheduler: {}, createdAt: now, version: (existing?.version ?? 0) + 1,
    };
    await tx.services.put(next, existing?.version);
    await tx.tags.removeAll(next.arn);
    await tx.tags.put(next.arn, tags);
    return next;
  });
  nudgeServiceController(cp);
  return { service: await serviceToWire(cp.store.read, cp.scope, record) };
}

export async function updateService(cp: ControlPlane, input: UpdateServiceInput): Promise<{ service: ServiceWire }> {
  checkServiceConfig(input);
  const record = await cp.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, input.cluster);
    const current = await serviceIn(tx, cluster, input.service);
    if (current.status !== 'ACTIVE') throw new ServiceNotActiveException('Service was not ACTIVE.');
    const body = current.body as { taskDefinition: string; desiredCount: number; deploymentConfiguration: CompiledDeploymentConfiguration; loadBalancers: unknown[] };
    const def = await resolveTaskDefinition(tx, input.taskDefinition ?? body.taskDefinition);
    if (input.taskDefinition !== undefined) checkDefinitionForService(def);
    const network = input.networkConfiguration ?? (current.body.networkConfiguration as UpdateServiceInput['networkConfiguration']);
    const awsvpc = await checkServiceNetwork(tx, def, network);
    const loadBalancers = compileLoadBalancers((input.loadBalancers ?? body.loadBalancers) as never, def);
    if (input.loadBalancers !== undefined) await checkTargetGroups(tx, loadBalancers, awsvpc);
    const launch = input.capacityProviderStrategy?.length
      ? compileLaunch(cluster, undefined, input.capacityProviderStrategy)
      : { ...(current.body.launchType ? { launchType: current.body.launchType as string } : {}), ...(current.body.capacityProviderStrategy ? { capacityProviderStrategy: current.body.capacityProviderStrategy as never } : {}) };
    const desiredCount = input.desiredCount ?? body.desiredCount;
    const config: DeploymentConfig = { taskDefinition: def.arn, ...launch, ...(network ? { networkConfiguration: network as Record<string, unknown> } : {}) };
    const now = cp.clock.now();
    const redeploy = input.forceNewDeployment === true || changesDeployment(current.deployments[0], config)
      || JSON.stringify(loadBalancers) !== JSON.stringify(body.loadBalancers)
      || (input.platformVersion !== undefined && input.platformVersion !== current.body.platformVersion);
    const deployments = redeploy
      ? beginDeployment(current.deployments, deploymentIdFrom(cp.ids.hex32()), config, desiredCount, now)
      : current.deployments.map((d, i) => (i === 0 && d.desiredCount !== desiredCount ? { ...d, desiredCount, updatedAt: now } : d));
    const { launchType: _l, capacityProviderStrategy: _c, ...rest } = current.body;
    const next: ServiceRecord = {
      ...current,
      body: {
        ...rest, ...launch, taskDefinition: def.arn, desiredCount, loadBalancers,
        deploymentConfiguration: compileDeploymentConfiguration(input.deploymentConfiguration, body.deploymentConfiguration),
        ...(network ? { networkConfiguration: network } : {}),
        ...(input.healthCheckGracePeriodSeconds !== undefined ? { healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds } : {}),
        ...(input.platformVersion !== undefined ? { platformVersion: input.platformVersion } : {}),
        ...(input.propagateTags !== undefined ? { propagateTags: input.propagateTags } : {}),
        ...(input.enableExecuteCommand !== undefined ? { enableExecuteCommand: input.enableExecuteCommand } : {}),
        ...(input.enableECSManagedTags !== undefined ? { enableECSManagedTags: input.enableECSManagedTags } : {}),
      },
      deployments,
      version: current.version + 1,
    };
    await tx.services.put(next, current.version);
    return next;
  });
  nudgeServiceController(cp);
  return { service: await serviceToWire(cp.store.read, cp.scope, record) };
}

export async function deleteService(cp: ControlPlane, input: { cluster?: string; service: string; force?: boolean }): Promise<{ service: ServiceWire }> {
  const record = await cp.store.transaction(async (tx) => {
    const cluster = await activeCluster(tx, input.cluster);
    const current = await serviceIn(tx, cluster, input.service);
    if (current.status === 'INACTIVE') throw new ServiceNotFoundException('Service not found.');
    if (current.status === 'DRAINING') return current;
    if ((current.body.desiredCount as number) > 0 && !input.force) {
      throw new InvalidParameterException('The service cannot be stopped while it is scaled above 0.');
    }
    const next: ServiceRecord = { ...current, status: 'DRAINING', body: { ...current.body, desiredCount: 0 }, version: current.version + 1 };
    await tx.services.put(next, current.version);
    return next;
  });
  nudgeServiceController(cp);
  return { service: await serviceToWire(cp.store.read, cp.scope, record) };
}

export async function describeServices(
  cp: ControlPlane, input: { cluster?: string; services: string[]; include?: string[] },
): Promise<{ services: ServiceWire[]; failures: Failure[] }> {
  if (input.services.length === 0) throw new InvalidParameterException('Services cannot be empty.');
  if (input.services.length > 10) throw new InvalidParameterException('DescribeServices accepts at most 10 services.');
  const cluster = await activeCluster(cp.store.read, input.cluster);
  const services: ServiceWire[] = [];
  const failures: Failure[] = [];
  for (const ref of input.services) {
    const name = serviceNameOf(ref, cluster.name);
    const record = name === undefined ? undefined : await cp.store.read.services.get(cluster.name, name);
    if (!record) failures.push({ arn: ref.startsWith('arn:') ? ref : arns.service(cp.scope, cluster.name, ref), reason: 'MISSING' });
    else services.push(await serviceToWire(cp.store.read, cp.scope, record, { tags: input.include?.includes('TAGS') ?? false }));
  }
  return { services, failures };
}

export async function listServices(cp: ControlPlane, input: {
  cluster?: string; nextToken?: string; maxResults?: number; launchType?: string; schedulingStrategy?: string;
}): Promise<{ serviceArns: string[]; nextToken?: string }> {
  const limit = pageSize(input.maxResults, 10);
  const cluster = await activeCluster(cp.store.read, input.cluster);
  if ((input.launchType !== undefined && input.launchType !== 'FARGATE') || input.schedulingStrategy === 'DAEMON') return { serviceArns: [] };
  const after = decodeToken('ListServices', input.nextToken);
  const page = await cp.store.read.services.list({
    clusterName: cluster.name, statuses: ['ACTIVE'], limit, ...(input.launchType ? { launchType: input.launchType } : {}), ...(after ? { afterName: after } : {}),
  });
  const nextToken = encodeToken('ListServices', page.nextKey);
  return { serviceArns: page.items.map((s) => s.arn), ...(nextToken ? { nextToken } : {}) };
}

/** CreateService's cluster: `default` is made on first use, as RunTask does; a deleted cluster is "inactive". */
async function clusterForService(cp: ControlPlane, tx: Repos, nameOrArn: string | undefined): Promise<ClusterRecord> {
  const name = clusterNameFor(nameOrArn);
  const record = await tx.clusters.get(name);
  if (record?.status === 'INACTIVE' && name !== DEFAULT_CLUSTER) throw new ClusterNotFoundException('The referenced cluster was inactive.');
  return clusterForLaunch(cp, tx, nameOrArn);
}

async function serviceIn(tx: Repos, cluster: ClusterRecord, ref: string): Promise<ServiceRecord> {
  const name = serviceNameOf(ref, cluster.name);
  const record = name === undefined ? undefined : await tx.services.get(cluster.name, name);
  if (!record) throw new ServiceNotFoundException('Service not found.');
  return record;
}

/** A service parameter: its name, or its ARN (long `service/cluster/name` or legacy `service/name`). */
export function serviceNameOf(ref: string, clusterName: string): string | undefined {
  if (!ref.startsWith('arn:')) return ref.includes('/') ? undefined : ref;
  const arn = parseArn(ref);
  if (!arn || arn.service !== 'ecs' || resourceType(arn) !== 'service') return undefined;
  const parts = arn.resource.split('/');
  if (parts.length === 3) return parts[1] === clusterName || clusterNameOf(parts[1]!) === clusterName ? parts[2] : undefined;
  return parts.length === 2 ? parts[1] : undefined;
}

function networkOf(input: { networkConfiguration?: unknown }): { networkConfiguration?: Record<string, unknown> } {
  return input.networkConfiguration ? { networkConfiguration: input.networkConfiguration as Record<string, unknown> } : {};
}

/** CreateService is idempotent by name: the same request again returns the service. */
function hashOf(input: CreateServiceInput): string {
  const { clientToken: _t, ...rest } = input;
  return createHash('sha256').update(JSON.stringify(rest, Object.keys(rest).sort())).digest('hex');
}
