/** A container definition with its RunTask override applied, as the runtime will run it. Pure. */
import type { ContainerDefinition, ContainerOverride } from '../../ecs/task-definition/types.js';

export function applyOverride(def: ContainerDefinition, override: ContainerOverride | undefined): ContainerDefinition {
  if (!override) return def;
  const out: ContainerDefinition = { ...def };
  if (override.command) out.command = override.command;
  if (override.environment) {
    const byName = new Map((def.environment ?? []).map((e) => [e.name, e]));
    for (const e of override.environment) byName.set(e.name, e);
    out.environment = [...byName.values()];
  }
  if (override.environmentFiles) out.environmentFiles = [...(def.environmentFiles ?? []), ...override.environmentFiles];
  if (override.cpu !== undefined) out.cpu = override.cpu;
  if (override.memory !== undefined) out.memory = override.memory;
  if (override.memoryReservation !== undefined) out.memoryReservation = override.memoryReservation;
  if (override.resourceRequirements) out.resourceRequirements = override.resourceRequirements;
  return out;
}

/** ECS defaults: essential true; stopTimeout 30 s (2–120); startTimeout 3 min on Fargate when unset. */
export const isEssential = (def: ContainerDefinition): boolean => def.essential !== false;
export const stopTimeoutMs = (def: ContainerDefinition): number => (def.stopTimeout ?? 30) * 1000;
export const startTimeoutMs = (def: ContainerDefinition): number => (def.startTimeout ?? 180) * 1000;
