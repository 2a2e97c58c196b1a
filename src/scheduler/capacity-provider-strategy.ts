/**
 * Splitting a batch of tasks across a capacity provider strategy, as ECS does: the one item with
 * a base gets its base first, the rest goes by weight ratio. Pure and deterministic.
 */
import type { CapacityProviderStrategyItem } from '../ecs/wire.js';

/**
 * Returns one provider name per task. `alreadyRunning` counts tasks of the same group per provider
 * (services pass theirs; RunTask passes none), so the split holds across calls.
 */
export function assignCapacityProviders(
  strategy: readonly CapacityProviderStrategyItem[],
  count: number,
  alreadyRunning: ReadonlyMap<string, number> = new Map(),
): string[] {
  const placed = new Map<string, number>(strategy.map((s) => [s.capacityProvider, alreadyRunning.get(s.capacityProvider) ?? 0]));
  const totalWeight = strategy.reduce((sum, s) => sum + (s.weight ?? 0), 0);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const baseItem = strategy.find((s) => (s.base ?? 0) > (placed.get(s.capacityProvider) ?? 0));
    let chosen = baseItem?.capacityProvider;
    if (!chosen) {
      // Weighted: pick the provider furthest below its share of the tasks beyond the bases.
      const beyondBase = (s: CapacityProviderStrategyItem): number => Math.max(0, (placed.get(s.capacityProvider) ?? 0) - (s.base ?? 0));
      const totalBeyond = strategy.reduce((sum, s) => sum + beyondBase(s), 0) + 1;
      let bestDeficit = -Infinity;
      for (const s of strategy) {
        const w = s.weight ?? 0;
        if (w === 0 || totalWeight === 0) continue;
        const deficit = (totalBeyond * w) / totalWeight - beyondBase(s);
        if (deficit > bestDeficit) {
          bestDeficit = deficit;
          chosen = s.capacityProvider;
        }
      }
    }
    if (!chosen) throw new Error('capacity provider strategy has no weight and no base left');
    placed.set(chosen, (placed.get(chosen) ?? 0) + 1);
    out.push(chosen);
  }
  return out;
}
