/** Checks of capacity provider strategies against what a cluster offers (ECS's rules, section 5.3). */
import { InvalidParameterException } from '../ecs/errors.js';
import type { CapacityProviderStrategyItem } from '../ecs/wire.js';

export function validateStrategy(strategy: readonly CapacityProviderStrategyItem[], clusterProviders: readonly string[], field: string): void {
  if (strategy.length > 20) throw new InvalidParameterException(`${field} can have at most 20 items.`);
  const seen = new Set<string>();
  let withBase = 0;
  for (const item of strategy) {
    if (!clusterProviders.includes(item.capacityProvider)) {
      throw new InvalidParameterException(
        `The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider '${item.capacityProvider}' with the cluster (PutClusterCapacityProviders) or specify a valid capacity provider and try again.`);
    }
    if (seen.has(item.capacityProvider)) throw new InvalidParameterException(`${field} lists capacity provider '${item.capacityProvider}' more than once.`);
    seen.add(item.capacityProvider);
    const weight = item.weight ?? 0;
    const base = item.base ?? 0;
    if (!Number.isInteger(weight) || weight < 0 || weight > 1000) throw new InvalidParameterException(`weight must be between 0 and 1000, got ${weight}.`);
    if (!Number.isInteger(base) || base < 0 || base > 100000) throw new InvalidParameterException(`base must be between 0 and 100000, got ${base}.`);
    if (base > 0) withBase += 1;
  }
  if (withBase > 1) throw new InvalidParameterException(`Only one capacity provider in ${field} can have a base greater than 0.`);
  if (strategy.length > 0 && strategy.every((s) => (s.weight ?? 0) === 0)) {
    throw new InvalidParameterException(`At least one capacity provider in ${field} must have a weight greater than 0.`);
  }
}
