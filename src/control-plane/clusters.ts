/** ECS cluster actions: Create, Describe, List, Update, UpdateClusterSettings, Delete, PutClusterCapacityProviders. */
import { arns, clusterNameOf } from '../ecs/arn.js';
import { FargateCapacityProvider } from '../ecs/enums.js';
import {
  ClusterContainsServicesException, ClusterContainsTasksException, ClusterNotFoundException, InvalidParameterException,
} from '../ecs/errors.js';
import type { CapacityProviderStrategyItem, Cluster, ClusterSetting, Failure, Tag } from '../ecs/wire.js';
import { validateTags } from '../ecs/task-definition/parse-overrides.js';
import type { ClusterRecord, Repos } from '../store/store.js';
import type { ControlPlane } from './context.js';
import { decodeToken, encodeToken, pageSize } from './pagination.js';
import { validateStrategy } from './capacity-providers.js';

export const DEFAULT_CLUSTER = 'default';
const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

export interface CreateClusterInput {
  clusterName?: string;
  tags?: Tag[];
  settings?: ClusterSetting[];
  configuration?: Record<string, unknown>;
  capacityProviders?: string[];
  defaultCapacityProviderStrategy?: CapacityProviderStrategyItem[];
  serviceConnectDefaults?: { namespace: string };
}

function checkSettings(settings: ClusterSetting[] | undefined): ClusterSetting[] {
  const out: ClusterSetting[] = [];
  for (const s of settings ?? []) {
    if (s.name !== 'containerInsights') {
      throw new InvalidParameterException(`Unknown cluster setting '${s.name}'. The only cluster setting is containerInsights.`);
    }
    if (!['enabled', 'disabled', 'enhanced'].includes(s.value)) {
      throw new InvalidParameterException(`containerInsights must be 'enabled', 'enhanced' or 'disabled', got '${s.value}'.`);
    }
    out.push({ name: s.name, value: s.value });
  }
  return out;
}

function checkProviders(providers: string[] | undefined): string[] {
  const out = providers ?? [];
  for (const p of out) {
    if (p !== FargateCapacityProvider.FARGATE && p !== FargateCapacityProvider.FARGATE_SPOT) {
      throw new InvalidParameterException(`The specified capacity provider '${p}' does not exist. Pier clusters use FARGATE and FARGATE_SPOT.`);
    }
  }
  if (new Set(out).size !== out.length) throw new InvalidParameterException('capacityProviders lists a capacity provider more than once.');
  return out;
}

export async function createCluster(cp: ControlPlane, input: CreateClusterInput): Promise<{ cluster: Cluster }> {
  const name = input.clusterName ?? DEFAULT_CLUSTER;
  if (!CLUSTER_NAME.test(name)) {
    throw new InvalidParameterException('Cluster name must be 1-255 characters: letters, numbers, hyphens and underscores.');
  }
  const tags = validateTags(input.tags ?? []);
  const settings = checkSettings(input.settings ?? [{ name: 'containerInsights', value: 'disabled' }]);
  const capacityProviders = checkProviders(input.capacityProviders);
  const strategy = input.defaultCapacityProviderStrategy ?? [];
  validateStrategy(strategy, capacityProviders, 'defaultCapacityProviderStrategy');
  const record = await cp.store.transaction(async (tx) => {
    const existing = await tx.clusters.get(name);
    if (existing?.status === 'ACTIVE') return existing;
    const next: ClusterRecord = {
      name,
      arn: arns.cluster(cp.scope, name),
      status: 'ACTIVE',
      body: {
        settings, capacityProviders, defaultCapacityProviderStrategy: strategy,
        ...(input.configuration ? { configuration: input.configuration } : {}),
        ...(input.serviceConnectDefaults ? { serviceConnectDefaults: input.serviceConnectDefaults } : {}),
      },
      createdAt: cp.clock.now(),
      version: (existing?.version ?? 0) + 1,
    };
    await tx.clusters.put(next, existing?.version);
    if (existing) await tx.tags.removeAll(next.arn);
    await tx.tags.put(next.arn, tags);
    return next;
  });
  return { cluster: await toWire(cp.store.read, record, new Set(['SETTINGS', 'TAGS', 'CONFIGURATIONS'])) };
}

/** The name of the cluster a call names (or `default`); throws ClusterNotFoundException when it is no cluster name or ARN. */
export function clusterNameFor(nameOrArn: string | undefined): string {
  const name = clusterNameOf(nameOrArn ?? DEFAULT_CLUSTER);
  if (name === undefined) throw new ClusterNotFoundException('Cluster not found.');
  return name;
}

/** The cluster a call names (or `default`); throws ClusterNotFoundException unless ACTIVE. */
export async function activeCluster(repos: Repos, nameOrArn: string | undefined): Promise<ClusterRecord> {
  const record = await repos.clusters.get(clusterNameFor(nameOrArn));
  if (!record || record.status !== 'ACTIVE') throw new ClusterNotFoundException('Cluster not found.');
  return record;
}

/** Like activeCluster, but creates `default` when a call names no cluster and it does not exist yet (as ECS does). */
export async function clusterForLaunch(cp: ControlPlane, tx: Repos, nameOrArn: string | undefined): Promise<ClusterRecord> {
  if (nameOrArn !== undefined && nameOrArn !== DEFAULT_CLUSTER) return activeCluster(tx, nameOrArn);
  const existing = await tx.clusters.get(DEFAULT_CLUSTER);
  if (existing?.status === 'ACTIVE') return existing;
  if (existing && nameOrArn !== undefined) throw new ClusterNotFoundException('Cluster not found.');
  const record: ClusterRecord = {
    name: DEFAULT_CLUSTER, arn: arns.cluster(cp.scope, DEFAULT_CLUSTER), status: 'ACTIVE',
    body: { settings: [{ name: 'containerInsights', value: 'disabled' }], capacityProviders: [], defaultCapacityProviderStrategy: [] },
    createdAt: cp.clock.now(), version: (existing?.version ?? 0) + 1,
  };
  await tx.clusters.put(record, existing?.version);
  return record;
}

export async function describeClusters(
  cp: ControlPlane, input: { clusters?: string[]; include?: string[] },
): Promise<{ clusters: Cluster[]; failures: Failure[] }> {
  const include = new Set(input.include ?? []);
  const refs = input.clusters?.length ? input.clusters : [DEFAULT_CLUSTER];
  if (refs.length > 100) throw new InvalidParameterException('DescribeClusters accepts at most 100 clusters.');
  const clusters: Cluster[] = [];
  const failures: Failure[] = [];
  for (const ref of refs) {
    const name = clusterNameOf(ref);
    const record = name === undefined ? undefined : await cp.store.read.clusters.get(name);
    if (!record) failures.push({ arn: ref.startsWith('arn:') ? ref : arns.cluster(cp.scope, ref), reason: 'MISSING' });
    else clusters.push(await toWire(cp.store.read, record, include));
  }
  return { clusters, failures };
}

export async function listClusters(cp: ControlPlane, input: { nextToken?: string; maxResults?: number }): Promise<{ clusterArns: string[]; nextToken?: string }> {
  const limit = pageSize(input.maxResults, 100);
  const page = await cp.store.read.clusters.list({ status: 'ACTIVE', afterName: decodeToken('ListClusters', input.nextToken), limit });
  const nextToken = encodeToken('ListClusters', page.nextKey);
  return { clusterArns: page.items.map((c) => c.arn), ...(nextToken ? { nextToken } : {}) };
}

async function updateBody(
  cp: ControlPlane, nameOrArn: string, change: (body: ClusterRecord['body']) => ClusterRecord['body'],
): Promise<{ cluster: Cluster }> {
  const record = await cp.store.transaction(async (tx) => {
    const current = await activeCluster(tx, nameOrArn);
    const next: ClusterRecord = { ...current, body: change(current.body), version: current.version + 1 };
    await tx.clusters.put(next, current.version);
    return next;
  });
  return { cluster: await toWire(cp.store.read, record, new Set(['SETTINGS', 'CONFIGURATIONS'])) };
}

export function updateCluster(cp: ControlPlane, input: {
  cluster: string; settings?: ClusterSetting[]; configuration?: Record<string, unknown>; serviceConnectDefaults?: { namespace: string };
}): Promise<{ cluster: Cluster }> {
  const settings = input.settings && checkSettings(input.settings);
  return updateBody(cp, input.cluster, (body) => ({
    ...body,
    ...(settings ? { settings: mergeSettings(body.settings, settings) } : {}),
    ...(input.configuration ? { configuration: input.configuration } : {}),
    ...(input.serviceConnectDefaults ? { serviceConnectDefaults: input.serviceConnectDefaults } : {}),
  }));
}

export function updateClusterSettings(cp: ControlPlane, input: { cluster: string; settings: ClusterSetting[] }): Promise<{ cluster: Cluster }> {
  const settings = checkSettings(input.settings);
  return updateBody(cp, input.cluster, (body) => ({ ...body, settings: mergeSettings(body.settings, settings) }));
}

function mergeSettings(current: ClusterSetting[], changes: ClusterSetting[]): ClusterSetting[] {
  const byName = new Map(current.map((s) => [s.name, s.value]));
  for (const s of changes) byName.set(s.name, s.value);
  return [...byName].map(([name, value]) => ({ name, value }));
}

export function putClusterCapacityProviders(cp: ControlPlane, input: {
  cluster: string; capacityProviders: string[]; defaultCapacityProviderStrategy: CapacityProviderStrategyItem[];
}): Promise<{ cluster: Cluster }> {
  const capacityProviders = checkProviders(input.capacityProviders);
  validateStrategy(input.defaultCapacityProviderStrategy, capacityProviders, 'defaultCapacityProviderStrategy');
  return updateBody(cp, input.cluster, (body) => ({
    ...body, capacityProviders, defaultCapacityProviderStrategy: input.defaultCapacityProviderStrategy,
  }));
}

export async function deleteCluster(cp: ControlPlane, input: { cluster: string }): Promise<{ cluster: Cluster }> {
  const record = await cp.store.transaction(async (tx) => {
    const current = await activeCluster(tx, input.cluster);
    const services = await tx.services.countByStatus(current.name);
    if ((services.ACTIVE ?? 0) + (services.DRAINING ?? 0) > 0) {
      throw new ClusterContainsServicesException('The Cluster cannot be deleted while Services are active.');
    }
    if ((await tx.tasks.countActive(current.name)) > 0) {
      throw new ClusterContainsTasksException('The Cluster cannot be deleted while Tasks are active.');
    }
    const next: ClusterRecord = { ...current, status: 'INACTIVE', version: current.version + 1 };
    await tx.clusters.put(next, current.version);
    return next;
  });
  return { cluster: await toWire(cp.store.read, record, new Set()) };
}

async function toWire(repos: Repos, r: ClusterRecord, include: ReadonlySet<string>): Promise<Cluster> {
  const counts = r.status === 'ACTIVE' ? await repos.clusters.taskCounts(r.name) : { running: 0, pending: 0 };
  const services = r.status === 'ACTIVE' ? await repos.services.countByStatus(r.name) : {};
  const cluster: Cluster = {
    clusterArn: r.arn,
    clusterName: r.name,
    status: r.status,
    registeredContainerInstancesCount: 0,
    runningTasksCount: counts.running,
    pendingTasksCount: counts.pending,
    activeServicesCount: services.ACTIVE ?? 0,
    statistics: [],
    tags: [],
    settings: [],
    capacityProviders: r.body.capacityProviders,
    defaultCapacityProviderStrategy: r.body.defaultCapacityProviderStrategy,
  };
  if (include.has('STATISTICS')) {
    cluster.statistics = [
      { name: 'runningEC2TasksCount', value: '0' },
      { name: 'runningFargateTasksCount', value: String(counts.running) },
      { name: 'pendingEC2TasksCount', value: '0' },
      { name: 'pendingFargateTasksCount', value: String(counts.pending) },
      { name: 'activeEC2ServiceCount', value: '0' },
      { name: 'activeFargateServiceCount', value: String(services.ACTIVE ?? 0) },
      { name: 'drainingEC2ServiceCount', value: '0' },
      { name: 'drainingFargateServiceCount', value: String(services.DRAINING ?? 0) },
    ];
  }
  if (include.has('TAGS')) cluster.tags = await repos.tags.get(r.arn);
  if (include.has('SETTINGS')) cluster.settings = r.body.settings;
  if (include.has('CONFIGURATIONS') && r.body.configuration) cluster.configuration = r.body.configuration;
  if (r.body.serviceConnectDefaults) cluster.serviceConnectDefaults = r.body.serviceConnectDefaults;
  return cluster;
}
