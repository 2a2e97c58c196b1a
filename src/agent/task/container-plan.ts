/**
 * ECS container semantics for one task, as a pure function of what the agent observes:
 * which containers may start now (dependsOn START / COMPLETE / SUCCESS / HEALTHY), which never
 * will (a condition that can no longer be met, or startTimeout passed), and whether the task must
 * stop (an essential container exited or will never start). The task runner calls it after every
 * observation and carries out the answer.
 */
import type { StopCode } from '../../ecs/enums.js';

export type ContainerPhase = 'waiting' | 'running' | 'exited' | 'never-started';
export type Condition = 'START' | 'COMPLETE' | 'SUCCESS' | 'HEALTHY';

export interface ContainerView {
  readonly name: string;
  readonly essential: boolean;
  readonly dependsOn: readonly { containerName: string; condition: Condition }[];
  /** ms to wait for dependencies before giving up (startTimeout). */
  readonly startTimeoutMs: number;
  readonly phase: ContainerPhase;
  readonly exitCode?: number;
  readonly health: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
}

export interface ContainerPlan {
  readonly start: readonly string[];
  readonly neverStart: readonly { name: string; reason: string }[];
  readonly stopTask?: { stopCode: StopCode; reason: string };
  /** Every essential container is running: the task is RUNNING. */
  readonly essentialsRunning: boolean;
}

type Verdict = { kind: 'met' } | { kind: 'pending' } | { kind: 'impossible'; reason: string };

function judge(dep: ContainerView | undefined, condition: Condition, depName: string): Verdict {
  if (!dep) return { kind: 'impossible', reason: `dependency '${depName}' is not in the task` };
  if (dep.phase === 'never-started') return { kind: 'impossible', reason: `dependency '${depName}' never started` };
  switch (condition) {
    case 'START':
      return dep.phase === 'waiting' ? { kind: 'pending' } : { kind: 'met' };
    case 'COMPLETE':
      return dep.phase === 'exited' ? { kind: 'met' } : { kind: 'pending' };
    case 'SUCCESS':
      if (dep.phase !== 'exited') return { kind: 'pending' };
      return dep.exitCode === 0 ? { kind: 'met' } : { kind: 'impossible', reason: `dependency '${depName}' exited with ${dep.exitCode ?? 'no exit code'}, not 0 (condition SUCCESS)` };
    case 'HEALTHY':
      if (dep.health === 'HEALTHY') return { kind: 'met' };
      if (dep.phase === 'exited') return { kind: 'impossible', reason: `dependency '${depName}' exited before it was HEALTHY` };
      return { kind: 'pending' };
  }
}

export function planContainers(views: readonly ContainerView[], waitedMs: number): ContainerPlan {
  const byName = new Map(views.map((v) => [v.name, v]));
  const start: string[] = [];
  const neverStart: { name: string; reason: string }[] = [];
  for (const v of views) {
    if (v.phase !== 'waiting') continue;
    let pending = false;
    let impossible: string | undefined;
    for (const d of v.dependsOn) {
      const verdict = judge(byName.get(d.containerName), d.condition, d.containerName);
      if (verdict.kind === 'impossible') {
        impossible = verdict.reason;
        break;
      }
      if (verdict.kind === 'pending') pending = true;
    }
    if (impossible) neverStart.push({ name: v.name, reason: impossible });
    else if (!pending) start.push(v.name);
    else if (waitedMs > v.startTimeoutMs) {
      neverStart.push({ name: v.name, reason: `dependencies not met within startTimeout (${Math.round(v.startTimeoutMs / 1000)} s)` });
    }
  }
  const phaseAfter = (v: ContainerView): ContainerPhase => (neverStart.some((n) => n.name === v.name) ? 'never-started' : v.phase);
  const essentials = views.filter((v) => v.essential);
  const exitedEssential = essentials.find((v) => phaseAfter(v) === 'exited');
  const stuckEssential = essentials.find((v) => phaseAfter(v) === 'never-started');
  let stopTask: ContainerPlan['stopTask'];
  if (exitedEssential) {
    stopTask = { stopCode: 'EssentialContainerExited', reason: 'Essential container in task exited' };
  } else if (stuckEssential) {
    const why = neverStart.find((n) => n.name === stuckEssential.name)?.reason ?? 'it could not be started';
    stopTask = {
      stopCode: 'TaskFailedToStart',
      reason: `CannotStartContainerError: essential container '${stuckEssential.name}' will not start: ${why}`,
    };
  }
  return {
    start,
    neverStart,
    ...(stopTask ? { stopTask } : {}),
    essentialsRunning: essentials.length > 0 && essentials.every((v) => v.phase === 'running'),
  };
}

/** The order to stop containers in: dependents before what they depend on (reverse start order). */
export function stopOrder(views: readonly Pick<ContainerView, 'name' | 'dependsOn'>[]): string[][] {
  const remaining = new Map(views.map((v) => [v.name, v]));
  const waves: string[][] = [];
  while (remaining.size > 0) {
    // A container can stop once no remaining container depends on it.
    const wave = [...remaining.keys()].filter((name) => ![...remaining.values()].some((o) => o.name !== name && o.dependsOn.some((d) => d.containerName === name)));
    const next = wave.length > 0 ? wave : [...remaining.keys()]; // a cycle cannot register; stop the rest together
    for (const n of next) remaining.delete(n);
    waves.push(next);
  }
  return waves;
}

/** Task healthStatus from its essential containers: any UNHEALTHY → UNHEALTHY, any UNKNOWN → UNKNOWN, else HEALTHY. */
export function taskHealth(views: readonly Pick<ContainerView, 'essential' | 'health'>[]): 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN' {
  const essentials = views.filter((v) => v.essential);
  if (essentials.some((v) => v.health === 'UNHEALTHY')) return 'UNHEALTHY';
  if (essentials.length === 0 || essentials.some((v) => v.health === 'UNKNOWN')) return 'UNKNOWN';
  return 'HEALTHY';
}
