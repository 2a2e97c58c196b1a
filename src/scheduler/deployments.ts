/** Service deployments: their ids and how one is begun (pure). */
import type { DeploymentRecord } from '../store/store.js';

/** `ecs-svc/` and 19 digits, as ECS numbers deployments, from 32 random hex digits. */
export function deploymentIdFrom(hex32: string): string {
  const n = BigInt(`0x${hex32.slice(0, 16)}`) % 10_000_000_000_000_000_000n;
  return `ecs-svc/${n.toString().padStart(19, '0')}`;
}

export interface DeploymentConfig {
  taskDefinition: string;
  launchType?: string;
  capacityProviderStrategy?: DeploymentRecord['capacityProviderStrategy'];
  networkConfiguration?: Record<string, unknown>;
}

/**
 * A new PRIMARY deployment; the current ones become ACTIVE (their tasks are replaced by the
 * scheduler as minimumHealthyPercent allows). Returns the new list, newest first.
 */
export function beginDeployment(
  current: readonly DeploymentRecord[], id: string, config: DeploymentConfig, desiredCount: number, nowMs: number,
): DeploymentRecord[] {
  const primary: DeploymentRecord = {
    id, status: 'PRIMARY', taskDefinition: config.taskDefinition, desiredCount, failedTasks: 0,
    rolloutState: 'IN_PROGRESS', rolloutStateReason: `ECS deployment ${id} in progress.`,
    ...(config.capacityProviderStrategy ? { capacityProviderStrategy: config.capacityProviderStrategy } : { launchType: config.launchType ?? 'FARGATE' }),
    ...(config.networkConfiguration ? { networkConfiguration: config.networkConfiguration } : {}),
    createdAt: nowMs, updatedAt: nowMs,
  };
  return [primary, ...current.map((d) => (d.status === 'PRIMARY' ? { ...d, status: 'ACTIVE' as const, updatedAt: nowMs } : d))];
}

/** Whether an update changes what tasks run (and so starts a deployment), desiredCount aside. */
export function changesDeployment(primary: DeploymentRecord | undefined, next: DeploymentConfig): boolean {
  if (!primary) return true;
  const norm = (c: DeploymentConfig): string => JSON.stringify([c.taskDefinition, c.capacityProviderStrategy ?? null, c.capacityProviderStrategy ? null : c.launchType ?? 'FARGATE', c.networkConfiguration ?? null]);
  return norm(primary) !== norm(next);
}
