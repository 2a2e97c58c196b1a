import { ClientException } from '../errors.js';
import { isEssential } from './container-rules.js';
import { containerLabel, invalidSetting } from './rules-common.js';
import type { ContainerDefinition } from './types.js';

function validateDependencyTargets(container: ContainerDefinition, byName: ReadonlyMap<string, ContainerDefinition>): void {
  const label = containerLabel(container.name);
  for (const dependency of container.dependsOn ?? []) {
    const targetName = dependency.containerName;
    const target = byName.get(targetName);
    if (target === undefined) {
      throw new ClientException(invalidSetting('dependsOn', label,
        `Container '${targetName}' is not defined in the task definition.`));
    }
    if (target === container) {
      throw new ClientException(invalidSetting('dependsOn', label, 'A container cannot depend on itself.'));
    }
    const waitsForExit = dependency.condition === 'COMPLETE' || dependency.condition === 'SUCCESS';
    if (waitsForExit && isEssential(target)) {
      throw new ClientException(
        'A dependency container with SUCCESS or COMPLETE condition cannot be an essential container. ' +
          `Container '${container.name ?? ''}' depends on essential container '${targetName}' with condition ${dependency.condition}.`,
      );
    }
    if (dependency.condition === 'HEALTHY' && target.healthCheck === undefined) {
      throw new ClientException(invalidSetting('dependsOn', label,
        `Condition HEALTHY needs a healthCheck on container '${targetName}', which has none.`));
    }
  }
}

/** A dependency cycle as a list of names that starts and ends with the same container, if any. */
function findCycle(containers: readonly ContainerDefinition[]): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const container of containers) {
    edges.set(container.name ?? '', (container.dependsOn ?? []).map((d) => d.containerName));
  }
  const finished = new Set<string>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const start = path.indexOf(name);
    if (start >= 0) return [...path.slice(start), name];
    if (finished.has(name)) return undefined;
    path.push(name);
    for (const next of edges.get(name) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    finished.add(name);
    return undefined;
  };
  for (const name of edges.keys()) {
    const cycle = visit(name);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/** dependsOn rules: targets exist and are not the container itself, exit conditions only on non-essential targets, no cycles. */
export function validateDependencies(containers: readonly ContainerDefinition[]): void {
  const byName = new Map(containers.map((container) => [container.name ?? '', container]));
  for (const container of containers) validateDependencyTargets(container, byName);
  const cycle = findCycle(containers);
  if (cycle !== undefined) {
    throw new ClientException(invalidSetting('dependsOn', containerLabel(cycle[0]),
      `The container dependencies form a cycle: ${cycle.join(' -> ')}.`));
  }
}
