/**
 * `pier run --spot` on a cluster that has no FARGATE_SPOT capacity provider: ECS refuses such a
 * RunTask, and a person asking for Spot wants it, so the cluster gets FARGATE and FARGATE_SPOT
 * (as the ECS console and Copilot make clusters), keeping its default strategy. A missing
 * `default` cluster is made with both, as RunTask would have made it.
 */
import { ECS, type PierClient } from '../client/pier-client.js';
import type { Output } from './terminal.js';

const FARGATE_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'];

export async function ensureSpotCapacity(c: PierClient, cluster: string, out: Output): Promise<void> {
  const { clusters } = await c.json(ECS, 'DescribeClusters', { clusters: [cluster] });
  const found = (clusters ?? []).find((x: any) => x.status === 'ACTIVE');
  if (!found) {
    if (cluster !== 'default') return; // RunTask answers ClusterNotFoundException, as it should
    out.progress('creating cluster default with FARGATE and FARGATE_SPOT');
    await c.json(ECS, 'CreateCluster', { clusterName: cluster, capacityProviders: FARGATE_PROVIDERS });
    return;
  }
  const providers: string[] = found.capacityProviders ?? [];
  if (providers.includes('FARGATE_SPOT')) return;
  out.progress(`adding FARGATE_SPOT to the capacity providers of cluster ${cluster}`);
  await c.json(ECS, 'PutClusterCapacityProviders', {
    cluster, capacityProviders: [...new Set([...providers, ...FARGATE_PROVIDERS])],
    defaultCapacityProviderStrategy: found.defaultCapacityProviderStrategy ?? [],
  });
}
