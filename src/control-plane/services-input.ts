/**
 * CreateService / UpdateService request checks: what needs no store (names, counts, percents,
 * unsupported features) and what checks the request against its task definition and cluster
 * (launch type or strategy, awsvpc subnets, load balancer containers and ports).
 */
import { InvalidParameterException, PlatformUnknownException, UnsupportedFeatureException } from '../ecs/errors.js';
import type { CapacityProviderStrategyItem, Tag } from '../ecs/wire.js';
import type { ClusterRecord, Repos, TaskDefinitionRecord } from '../store/store.js';
import { loadBalancersByGroup } from '../elbv2/resources.js';
import { targetGroupInfo } from '../elbv2/targets.js';
import { validateStrategy } from './capacity-providers.js';
import { checkNetworkConfiguration } from './run-task-input.js';
import { resolveAwsvpc, type ResolvedAwsvpc } from './task-networking.js';

export interface LoadBalancerInput { targetGroupArn?: string; loadBalancerName?: string; containerName?: string; containerPort?: number }
export interface DeploymentConfigurationInput {
  deploymentCircuitBreaker?: { enable: boolean; rollback: boolean };
  maximumPercent?: number;
  minimumHealthyPercent?: number;
  alarms?: { alarmNames: string[]; enable: boolean; rollback: boolean };
  strategy?: string;
  bakeTimeInMinutes?: number;
}
export interface NetworkConfigurationInput { awsvpcConfiguration?: { subnets?: string[]; securityGroups?: string[]; assignPublicIp?: string } }

/** Members CreateService and UpdateService share. */
export interface ServiceConfigInput {
  cluster?: string;
  taskDefinition?: string;
  desiredCount?: number;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  deploymentConfiguration?: DeploymentConfigurationInput;
  networkConfiguration?: NetworkConfigurationInput;
  loadBalancers?: LoadBalancerInput[];
  healthCheckGracePeriodSeconds?: number;
  placementConstraints?: unknown[];
  placementStrategy?: unknown[];
  platformVersion?: string;
  propagateTags?: string;
  enableExecuteCommand?: boolean;
  enableECSManagedTags?: boolean;
  deploymentController?: { type: string };
  serviceRegistries?: unknown[];
  serviceConnectConfiguration?: { enabled?: boolean };
  volumeConfigurations?: unknown[];
  vpcLatticeConfigurations?: unknown[];
}

export interface CreateServiceInput extends ServiceConfigInput {
  serviceName: string;
  launchType?: string;
  schedulingStrategy?: string;
  role?: string;
  clientToken?: string;
  tags?: Tag[];
}

export interface UpdateServiceInput extends ServiceConfigInput {
  service: string;
  forceNewDeployment?: boolean;
}

const SERVICE_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const TARGET_GROUP_ARN = /^arn:[a-z-]+:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;
const MAX_GRACE = 2_147_483_647;

export function checkServiceName(name: string): void {
  if (!SERVICE_NAME.test(name)) {
    throw new InvalidParameterException('Service name must be 1-255 characters: letters (uppercase and lowercase), numbers, hyphens and underscores.');
  }
}

export function checkDesiredCount(n: number | undefined): void {
  if (n === undefined) return;
  if (!Number.isInteger(n) || n < 0) throw new InvalidParameterException(`desiredCount can't be less than 0 (got ${n}).`);
  if (n > 5000) throw new InvalidParameterException(`desiredCount can be at most 5000 tasks per service (got ${n}).`);
}

/** The checks that need neither store nor task definition. */
export function checkServiceConfig(input: ServiceConfigInput): void {
  checkDesiredCount(input.desiredCount);
  if (input.placementConstraints?.length || input.placementStrategy?.length) {
    throw new InvalidParameterException('Task placement constraints and strategies are not supported for tasks on Fargate.');
  }
  if (input.platformVersion !== undefined && !['LATEST', '1.4.0'].includes(input.platformVersion)) {
    throw new PlatformUnknownException(`The specified platform version '${input.platformVersion}' does not exist. Use LATEST or 1.4.0.`);
  }
  if (input.propagateTags !== undefined && !['TASK_DEFINITION', 'SERVICE', 'NONE'].includes(input.propagateTags)) {
    throw new InvalidParameterException(`propagateTags must be TASK_DEFINITION, SERVICE or NONE, got '${input.propagateTags}'.`);
  }
  if (input.deploymentController && input.deploymentController.type !== 'ECS') {
    throw new InvalidParameterException(`Pier supports the ECS (rolling update) deployment controller only, not ${input.deploymentController.type}.`);
  }
  if (input.serviceRegistries?.length) throw new UnsupportedFeatureException('Service discovery (serviceRegistries) is not supported by Pier yet.');
  if (input.serviceConnectConfiguration?.enabled) throw new UnsupportedFeatureException('Service Connect is not supported by Pier yet.');
  if (input.volumeConfigurations?.length) throw new UnsupportedFeatureException('volumeConfigurations (EBS volumes configured at launch) are not supported by Pier yet.');
  if (input.vpcLatticeConfigurations?.length) throw new UnsupportedFeatureException('VPC Lattice configurations are not supported by Pier.');
  const g = input.healthCheckGracePeriodSeconds;
  if (g !== undefined && (!Number.isInteger(g) || g < 0 || g > MAX_GRACE)) {
    throw new InvalidParameterException(`healthCheckGracePeriodSeconds must be between 0 and ${MAX_GRACE}, got ${g}.`);
  }
  if (input.loadBalancers && input.loadBalancers.length > 5) throw new InvalidParameterException('A service can have at most 5 target groups (loadBalancers).');
}

export interface CompiledDeploymentConfiguration {
  deploymentCircuitBreaker: { enable: boolean; rollback: boolean };
  maximumPercent: number;
  minimumHealthyPercent: number;
  strategy?: string;
}

/** Fills ECS's defaults (200 / 100, breaker off) over `current` and checks the percents. */
export function compileDeploymentConfiguration(
  input: DeploymentConfigurationInput | undefined, current?: CompiledDeploymentConfiguration,
): CompiledDeploymentConfiguration {
  if (input?.alarms?.enable) throw new UnsupportedFeatureException('CloudWatch alarm-based deployment rollback is not supported by Pier yet.');
  if (input?.strategy !== undefined && input.strategy !== 'ROLLING') {
    throw new UnsupportedFeatureException(`Pier supports the ROLLING deployment strategy only, not ${input.strategy}.`);
  }
  const out: CompiledDeploymentConfiguration = {
    deploymentCircuitBreaker: input?.deploymentCircuitBreaker
      ? { enable: input.deploymentCircuitBreaker.enable, rollback: input.deploymentCircuitBreaker.rollback }
      : current?.deploymentCircuitBreaker ?? { enable: false, rollback: false },
    maximumPercent: input?.maximumPercent ?? current?.maximumPercent ?? 200,
    minimumHealthyPercent: input?.minimumHealthyPercent ?? current?.minimumHealthyPercent ?? 100,
    ...(input?.strategy ?? current?.strategy ? { strategy: input?.strategy ?? current?.strategy } : {}),
  };
  const { maximumPercent: max, minimumHealthyPercent: min } = out;
  if (!Number.isInteger(min) || min < 0 || min > 100) throw new InvalidParameterException(`minimumHealthyPercent must be between 0 and 100, got ${min}.`);
  if (!Number.isInteger(max) || max < 100 || max > 200) throw new InvalidParameterException(`maximumPercent must be between 100 and 200, got ${max}.`);
  return out;
}

/** A service runs its tasks by launch type FARGATE or by a strategy (the call's, else the cluster's default). */
export function compileLaunch(
  cluster: ClusterRecord, launchType: string | undefined, strategy: CapacityProviderStrategyItem[] | undefined,
): { launchType?: string; capacityProviderStrategy?: CapacityProviderStrategyItem[] } {
  if (launchType !== undefined && strategy?.length) {
    throw new InvalidParameterException('Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.');
  }
  if (launchType !== undefined && launchType !== 'FARGATE') {
    throw new InvalidParameterException(`Pier runs tasks on Fargate capacity only; launchType '${launchType}' is not supported. Use FARGATE or a FARGATE/FARGATE_SPOT capacity provider strategy.`);
  }
  if (strategy?.length) {
    validateStrategy(strategy, cluster.body.capacityProviders, 'capacityProviderStrategy');
    return { capacityProviderStrategy: strategy.map((s) => ({ capacityProvider: s.capacityProvider, weight: s.weight ?? 0, base: s.base ?? 0 })) };
  }
  if (launchType === undefined && cluster.body.defaultCapacityProviderStrategy.length) {
    return { capacityProviderStrategy: cluster.body.defaultCapacityProviderStrategy };
  }
  return { launchType: 'FARGATE' };
}

/** The definition must be ACTIVE and Fargate-compatible. */
export function checkDefinitionForService(def: TaskDefinitionRecord): void {
  if (def.status !== 'ACTIVE') throw new InvalidParameterException('TaskDefinition is inactive');
  if (!((def.body.compatibilities ?? []) as string[]).includes('FARGATE')) {
    throw new InvalidParameterException('Task definition does not support launch_type FARGATE.');
  }
}

/** awsvpc networkConfiguration: required for awsvpc definitions; its subnets and groups must exist. */
export async function checkServiceNetwork(
  tx: Repos, def: TaskDefinitionRecord, network: NetworkConfigurationInput | undefined,
): Promise<ResolvedAwsvpc | undefined> {
  checkNetworkConfiguration({ taskDefinition: def.arn, ...(network ? { networkConfiguration: network } : {}) }, def.body.networkMode as string | undefined);
  const awsvpc = network?.awsvpcConfiguration;
  return awsvpc ? resolveAwsvpc(tx, awsvpc) : undefined;
}

interface ContainerDefinition { name: string; portMappings?: { containerPort?: number }[] }

/** Each target group is named once, by ARN, for a container of the definition and one of its ports. */
export function compileLoadBalancers(input: LoadBalancerInput[] | undefined, def: TaskDefinitionRecord): LoadBalancerInput[] {
  const out: LoadBalancerInput[] = [];
  const containers = (def.body.containerDefinitions ?? []) as ContainerDefinition[];
  for (const lb of input ?? []) {
    if (lb.loadBalancerName !== undefined) {
      throw new InvalidParameterException('Classic Load Balancers (loadBalancerName) are not supported for tasks using the awsvpc network mode. Use targetGroupArn.');
    }
    if (lb.targetGroupArn === undefined || !TARGET_GROUP_ARN.test(lb.targetGroupArn)) {
      throw new InvalidParameterException(`targetGroupArn must be a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<16 hex>), got '${lb.targetGroupArn ?? ''}'.`);
    }
    const container = containers.find((c) => c.name === lb.containerName);
    if (!container) {
      throw new InvalidParameterException(`The container ${lb.containerName ?? '(none)'} does not exist in the task definition.`);
    }
    if (lb.containerPort === undefined || !(container.portMappings ?? []).some((p) => p.containerPort === lb.containerPort)) {
      throw new InvalidParameterException(`The container ${container.name} did not have a container port ${lb.containerPort ?? '(none)'} defined.`);
    }
    if (out.some((o) => o.targetGroupArn === lb.targetGroupArn && o.containerName === lb.containerName && o.containerPort === lb.containerPort)) {
      throw new InvalidParameterException(`loadBalancers names target group ${lb.targetGroupArn} with ${lb.containerName}:${lb.containerPort} twice.`);
    }
    out.push({ targetGroupArn: lb.targetGroupArn, containerName: container.name, containerPort: lb.containerPort });
  }
  return out;
}

/** Each target group must exist, be in the service's VPC and be used by a load balancer (a listener forwards to it). */
export async function checkTargetGroups(tx: Repos, loadBalancers: readonly LoadBalancerInput[], awsvpc: ResolvedAwsvpc | undefined): Promise<void> {
  if (loadBalancers.length === 0) return;
  const used = await loadBalancersByGroup(tx);
  for (const lb of loadBalancers) {
    const arn = lb.targetGroupArn!;
    const tg = await targetGroupInfo(tx, arn);
    if (!tg) throw new InvalidParameterException(`Unable to find the target group ${arn}. Create it with CreateTargetGroup first.`);
    if (!used.has(arn)) throw new InvalidParameterException(`The target group with targetGroupArn ${arn} does not have an associated load balancer.`);
    const vpcId = awsvpc?.subnets[0]?.vpcId;
    if (vpcId !== undefined && vpcId !== tg.vpcId) {
      throw new InvalidParameterException(`The target group ${arn} is in ${tg.vpcId}; the service's subnets are in ${vpcId}.`);
    }
  }
}
