/**
 * Runs one task on this host from assignment to STOPPED, and survives the agent restarting in the
 * middle (it resumes from the task's state file). The steps, each idempotent:
 *
 *   prepare   network namespace (the ENI) → task disk → image pulls → rootfs overlays → sandbox
 *   run       start containers as dependsOn allows, watch exits and health, honour restartPolicy
 *   stop      containers in reverse dependency order: stop signal, stopTimeout, SIGKILL
 *   clean     sandbox, disk, network namespace, image references; then report STOPPED
 *
 * Every observed transition is reported to the control plane; only the control plane decides
 * policy (desiredStatus), the runner carries it out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StopCode, TaskStatus } from '../../ecs/enums.js';
import type { ContainerDefinition, TaskDefinitionBody } from '../../ecs/task-definition/types.js';
import { coerceError } from '../../lib/errors.js';
import { WakeTimer } from '../../lib/wake-timer.js';
import type { Assignment, ContainerReport, TaskReport } from '../../protocol/agent.js';
import type { ContainerSpec, SandboxSpec } from '../runtime/oci-runtime.js';
import type { LocalContainer, LocalTaskState } from '../state/task-state.js';
import { planContainers, stopOrder, taskHealth, type ContainerView } from './container-plan.js';
import { applyOverride, isEssential, startTimeoutMs, stopTimeoutMs } from './container-config.js';
import type { TaskView } from '../endpoint/task-metadata.js';
import { compileHealthCheck, initialHealth, recordProbe, type HealthCheckSpec, type HealthState } from './health.js';
import type { RunnerDeps } from './runner-deps.js';
import { LaunchTrace } from './launch-trace.js';
import { prepareTask, sandboxSpecFor } from './prepare.js';
import { TaskFailure } from './task-failure.js';
import { TaskLogs } from '../logs/task-logs.js';

const TICK_MS = 250;

export class TaskRunner {
  private state: LocalTaskState;
  private readonly health = new Map<string, { spec: HealthCheckSpec; state: HealthState; nextAt: number; probing: boolean }>();
  private readonly timer = new WakeTimer();
  /** Begins a stop held back by a notice. */
  private noticeTimer: NodeJS.Timeout | undefined;
  private detached = false;
  private readonly trace = new LaunchTrace();
  /** The awslogs driver of this task's containers (when the agent ships logs). */
  private readonly logs: TaskLogs | undefined;
  /** Parsed spec.json by container name (see containerSpec()). */
  private readonly specs = new Map<string, Record<string, unknown>>();
  /** The last report queued (see report()). */
  private reporting: Promise<void> = Promise.resolve();
  readonly done: Promise<void>;

  constructor(private readonly deps: RunnerDeps, initial: LocalTaskState) {
    this.state = initial;
    this.logs = deps.shipLogs
      ? new TaskLogs({ ship: deps.shipLogs, now: () => deps.clock.now(), log: deps.log }, initial, this.definitions())
      : undefined;
    this.done = this.main().catch((err: unknown) => {
      deps.log.error('task runner crashed', { taskArn: this.state.taskArn, error: coerceError(err).stack });
    });
  }

  static fresh(deps: RunnerDeps, assignment: Assignment): TaskRunner {
    const def = assignment.taskDefinition as unknown as TaskDefinitionBody;
    const containers: LocalContainer[] = (def.containerDefinitions ?? []).map((c, i) => ({
      name: c.name!, runtimeId: `${assignment.taskId}-${i}`, dir: join(deps.stateStore.taskDir(assignment.taskId), 'containers', c.name!),
      phase: 'waiting', essential: isEssential(c), restartCount: 0,
    }));
    const state: LocalTaskState = {
      taskArn: assignment.taskArn, taskId: assignment.taskId, assignment, phase: 'preparing',
      startedAtMs: deps.clock.now(), containers,
    };
    deps.stateStore.save(state);
    return new TaskRunner(deps, state);
  }

  get taskArn(): string {
    return this.state.taskArn;
  }

  /** What the task metadata endpoint shows of this task now. */
  view(): TaskView {
    return { state: this.state, health: new Map([...this.health].map(([name, h]) => [name, h.state])) };
  }

  /**
   * The control plane's view changed (e.g. desiredStatus STOPPED). A stop held back by a notice
   * (`stopNotBeforeMs`, a Spot interruption) begins at that time; a task not running yet has
   * nothing to finish and stops at once.
   */
  update(assignment: Assignment): void {
    this.state = { ...this.state, assignment };
    clearTimeout(this.noticeTimer);
    if (assignment.desiredStatus !== 'STOPPED' || this.state.stop) return;
    const stop = (): void => this.requestStop(assignment.stopCode ?? 'UserInitiated', assignment.stoppedReason ?? 'Task stopped by user');
    const wait = (assignment.stopNotBeforeMs ?? 0) - this.deps.clock.now();
    if (wait <= 0 || this.state.phase !== 'running') return stop();
    this.noticeTimer = setTimeout(() => {
      if (!this.detached) stop();
    }, wait);
  }

  /**
   * Stops driving the task without touching it, as if the agent process had died: containers keep
   * running, and a later runner built from the state file picks the task up again.
   */
  detach(): void {
    this.detached = true;
    clearTimeout(this.noticeTimer);
    this.logs?.detach();
    this.timer.wake();
  }

  requestStop(stopCode: StopCode, reason: string): void {
    if (this.state.stop) return;
    this.state = { ...this.state, stop: { stopCode, reason } };
    this.save();
    this.timer.wake();
  }

  private save(): void {
    if (this.detached) return; // a detached runner must not overwrite what its successor writes
    this.deps.stateStore.save(this.state);
  }

  private async main(): Promise<void> {
    if (this.state.phase === 'preparing') await this.prepare();
    if (this.state.phase === 'running' && !this.detached) await this.runLoop();
    if (this.state.phase === 'stopping' && !this.detached) await this.stopContainers();
    if (this.state.phase === 'cleaning' && !this.detached) await this.clean();
  }

  private async prepare(): Promise<void> {
    if (this.state.stop) {
      this.state = { ...this.state, phase: 'cleaning' };
      return this.save();
    }
    try {
      // Pull times are saved with the prepared state (each save is a synchronous write here).
      const preparingTask = prepareTask(this.deps, this.state, (times) => {
        this.state = { ...this.state, ...times };
      }, (name) => this.trace.mark(name));
      // Reports go out in order (see report()); preparing need not wait for this one, and asks for
      // its host commands first (in `pier up` the control plane answers on this event loop).
      void this.report('PENDING');
      // Log streams are made while the task prepares; either failing fails the task, once both are done.
      const [preparing, opening] = await Promise.allSettled([preparingTask, this.logs?.open()]);
      if (opening.status === 'rejected') throw opening.reason;
      if (preparing.status === 'rejected') throw preparing.reason;
      const prepared = preparing.value;
      this.state = {
        ...this.state,
        phase: 'running',
        containers: this.state.containers.map((c) => ({ ...c, imageDigest: prepared.imageDigests.get(c.name) ?? c.imageDigest })),
      };
      this.save();
      this.trace.mark('prepared');
      void this.report('PENDING');
    } catch (err) {
      const failure = err instanceof TaskFailure ? err : new TaskFailure('TaskFailedToStart', `ResourceInitializationError: ${coerceError(err).message}`);
      this.deps.log.warn('task failed to start', { taskArn: this.state.taskArn, reason: failure.reason });
      this.state = {
        ...this.state, phase: 'cleaning', stop: this.state.stop ?? { stopCode: failure.stopCode, reason: failure.reason },
        containers: this.state.containers.map((c) => ({ ...c, phase: c.phase === 'waiting' ? 'never-started' : c.phase })),
      };
      this.save();
    }
  }

  private definitions(): Map<string, ContainerDefinition> {
    const def = this.state.assignment.taskDefinition as unknown as TaskDefinitionBody;
    const overrides = (this.state.assignment.overrides.containerOverrides ?? []) as { name?: string }[];
    return new Map((def.containerDefinitions ?? []).map((c) => [c.name!, applyOverride(c, overrides.find((o) => o.name === c.name))]));
  }

  private sandbox(): SandboxSpec {
    return sandboxSpecFor(this.deps, this.state);
  }

  /** The container's prepared OCI spec (spec.json, read once: runtimes copy it, never change it). */
  private containerSpec(c: LocalContainer): ContainerSpec {
    let oci = this.specs.get(c.name);
    if (!oci) {
      try {
        oci = JSON.parse(readFileSync(join(c.dir, 'spec.json'), 'utf8')) as Record<string, unknown>;
        this.specs.set(c.name, oci);
      } catch {
        // not prepared yet
      }
    }
    return { id: c.runtimeId, dir: c.dir, oci: oci ?? {} };
  }

  private async runLoop(): Promise<void> {
    const defs = this.definitions();
    // Adopting running containers (agent restart): finish what their start left (e.g. limits).
    if (this.state.containers.some((c) => c.phase === 'running')) await this.deps.runtime.adopt?.(this.sandbox()).catch(() => undefined);
    this.logs?.start();
    for (const [name, def] of defs) {
      const spec = def.healthCheck ? compileHealthCheck(def.healthCheck as never) : undefined;
      if (spec) this.health.set(name, { spec, state: initialHealth, nextAt: 0, probing: false });
    }
    while (this.state.phase === 'running') {
      if (this.detached) return;
      await this.observeExits(defs);
      if (this.state.stop) break;
      const views = this.views(defs);
      const plan = planContainers(views, this.deps.clock.now() - this.state.startedAtMs);
      for (const n of plan.neverStart) this.setContainer(n.name, { phase: 'never-started', reason: n.reason });
      for (const name of plan.start) await this.startContainer(name);
      if (plan.stopTask) {
        this.requestStop(plan.stopTask.stopCode, plan.stopTask.reason);
        break;
      }
      const after = this.views(defs);
      if (this.state.reported !== 'RUNNING' && planContainers(after, 0).essentialsRunning) {
        this.trace.mark('runningSeen');
        await this.report('RUNNING');
        this.trace.mark('runningReported');
        this.trace.writeOnce(this.deps.stateStore.taskDir(this.state.taskId));
      }
      this.probeHealth();
      await this.sleep(TICK_MS);
    }
    this.state = { ...this.state, phase: 'stopping' };
    this.save();
  }

  private views(defs: Map<string, ContainerDefinition>): ContainerView[] {
    return this.state.containers.map((c) => {
      const def = defs.get(c.name)!;
      return {
        name: c.name, essential: c.essential, phase: c.phase,
        ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
        dependsOn: (def.dependsOn ?? []) as ContainerView['dependsOn'],
        startTimeoutMs: startTimeoutMs(def),
        health: this.health.get(c.name)?.state.status ?? 'UNKNOWN',
      };
    });
  }

  private setContainer(name: string, change: Partial<LocalContainer>): void {
    this.state = { ...this.state, containers: this.state.containers.map((c) => (c.name === name ? { ...c, ...change } : c)) };
    this.save();
  }

  private async startContainer(name: string): Promise<void> {
    const c = this.state.containers.find((x) => x.name === name)!;
    try {
      this.trace.mark(`start:${name}`);
      await this.deps.runtime.startContainer(this.sandbox(), this.containerSpec(c));
      this.trace.mark(`started:${name}`);
      this.setContainer(name, { phase: 'running', startedAtMs: this.deps.clock.now() });
      if (this.state.reported === 'RUNNING') await this.report('RUNNING');
    } catch (err) {
      const reason = `CannotStartContainerError: ${coerceError(err).message}`.slice(0, 1024);
      this.setContainer(name, { phase: 'never-started', reason });
    }
  }

  /** Exit codes land in files written by each container's shim, even while the agent is down. */
  private async observeExits(defs: Map<string, ContainerDefinition>): Promise<void> {
    for (const c of this.state.containers) {
      if (c.phase !== 'running') continue;
      const status = await this.deps.runtime.status(this.sandbox(), this.containerSpec(c));
      if (status.state !== 'stopped') continue;
      const exitCode = status.exitCode ?? 137;
      const oom = status.oomKilled === true;
      const def = defs.get(c.name)!;
      if (!oom && this.shouldRestart(def, c, exitCode)) {
        this.deps.log.info('restarting container', { taskArn: this.state.taskArn, container: c.name, exitCode });
        this.setContainer(c.name, { restartCount: c.restartCount + 1, exitCode });
        await this.startContainer(c.name);
        continue;
      }
      this.setContainer(c.name, {
        phase: 'exited', exitCode,
        ...(oom ? { reason: 'OutOfMemoryError: Container killed due to memory usage' } : {}),
      });
      if (!c.essential && this.state.reported) await this.report(this.state.reported);
    }
  }

  private shouldRestart(def: ContainerDefinition, c: LocalContainer, exitCode: number): boolean {
    const policy = def.restartPolicy;
    if (!policy?.enabled || this.state.stop) return false;
    if (policy.ignoredExitCodes?.includes(exitCode)) return false;
    const ranMs = this.deps.clock.now() - (c.startedAtMs ?? this.deps.clock.now());
    return ranMs >= (policy.restartAttemptPeriod ?? 300) * 1000;
  }

  private probeHealth(): void {
    const now = this.deps.clock.now();
    for (const [name, h] of this.health) {
      const c = this.state.containers.find((x) => x.name === name)!;
      if (c.phase !== 'running' || h.probing || now < h.nextAt) continue;
      h.probing = true;
      h.nextAt = now + h.spec.intervalMs;
      void this.deps.runtime.exec(this.sandbox(), this.containerSpec(c), h.spec.command, h.spec.timeoutMs)
        .then((r) => ({ passed: r.exitCode === 0, exitCode: r.exitCode, output: r.output }))
        .catch((err: unknown) => ({ passed: false, exitCode: -1, output: coerceError(err).message }))
        .then(async (probe) => {
          h.probing = false;
          const before = h.state.status;
          h.state = recordProbe(h.state, h.spec, probe, this.deps.clock.now() - (c.startedAtMs ?? now), this.deps.clock.now());
          if (h.state.status !== before && this.state.reported && this.state.phase === 'running') await this.report(this.state.reported);
          this.timer.wake();
        });
    }
  }

  private async stopContainers(): Promise<void> {
    const stop = this.state.stop ?? { stopCode: 'UserInitiated' as StopCode, reason: 'Task stopped by user' };
    await this.report('STOPPING');
    const defs = this.definitions();
    const waves = stopOrder([...defs.values()].map((d) => ({ name: d.name!, dependsOn: (d.dependsOn ?? []) as ContainerView['dependsOn'] })));
    for (const wave of waves) {
      await Promise.all(wave.map((name) => this.stopOne(name, defs.get(name)!)));
    }
    this.state = {
      ...this.state, phase: 'cleaning', stop,
      containers: this.state.containers.map((c) => (c.phase === 'waiting' ? { ...c, phase: 'never-started' } : c)),
    };
    this.save();
  }

  private async stopOne(name: string, def: ContainerDefinition): Promise<void> {
    const c = this.state.containers.find((x) => x.name === name)!;
    if (c.phase !== 'running') return;
    const sandbox = this.sandbox();
    const spec = this.containerSpec(c);
    const signal = stopSignalOf(spec);
    await this.deps.runtime.kill(sandbox, spec, signal).catch(() => undefined);
    const deadline = this.deps.clock.now() + stopTimeoutMs(def);
    let status = await this.deps.runtime.status(sandbox, spec);
    while (status.state !== 'stopped' && this.deps.clock.now() < deadline) {
      await this.sleep(100);
      status = await this.deps.runtime.status(sandbox, spec);
    }
    if (status.state !== 'stopped') {
      await this.deps.runtime.kill(sandbox, spec, 'SIGKILL').catch(() => undefined);
      const killDeadline = this.deps.clock.now() + 10_000;
      while (status.state !== 'stopped' && this.deps.clock.now() < killDeadline) {
        await this.sleep(100);
        status = await this.deps.runtime.status(sandbox, spec);
      }
    }
    const oom = status.oomKilled === true;
    this.setContainer(name, {
      phase: 'exited', exitCode: status.exitCode ?? 137,
      ...(oom ? { reason: 'OutOfMemoryError: Container killed due to memory usage' } : {}),
    });
  }

  private async clean(): Promise<void> {
    await this.report('DEPROVISIONING');
    // What the containers wrote is shipped before their files go.
    await this.logs?.drain();
    const errors: string[] = [];
    const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        errors.push(`${what}: ${coerceError(err).message}`);
      }
    };
    await attempt('sandbox', () => this.deps.runtime.destroySandbox(this.sandbox()));
    await attempt('storage', () => this.deps.storage.destroyTask(this.state.taskId));
    await attempt('network', () => this.deps.network.destroy(this.state.taskId));
    await attempt('images', () => this.deps.images.release(this.state.taskId));
    if (errors.length) this.deps.log.error('task clean-up incomplete; the agent retries at its next start', { taskArn: this.state.taskArn, errors });
    await this.report('STOPPED');
    this.state = { ...this.state, phase: 'done' };
    if (errors.length === 0) this.deps.stateStore.remove(this.state.taskId);
    else this.save();
  }

  private containerReports(): ContainerReport[] {
    return this.state.containers.map((c) => {
      const health = this.health.get(c.name)?.state.status;
      return {
        name: c.name,
        lastStatus: c.phase === 'running' ? 'RUNNING' : c.phase === 'waiting' ? 'PENDING' : 'STOPPED',
        ...(c.phase !== 'waiting' && c.phase !== 'never-started' ? { runtimeId: c.runtimeId } : {}),
        ...(c.imageDigest ? { imageDigest: c.imageDigest } : {}),
        ...(c.exitCode !== undefined && c.phase === 'exited' ? { exitCode: c.exitCode } : {}),
        ...(c.reason ? { reason: c.reason } : {}),
        ...(health ? { healthStatus: health } : {}),
      };
    });
  }

  /**
   * Sends a report built now, after the ones before it have been sent (so the control plane sees
   * them in order); resolves when it has been. Launch steps need not wait for their reports.
   */
  private report(lastStatus: TaskStatus): Promise<void> {
    const report = this.buildReport(lastStatus);
    const sent = this.reporting.then(async () => {
      const ok = await this.deps.report(this.state.taskArn, report).catch(() => false);
      if (ok) {
        this.state = { ...this.state, reported: lastStatus };
        // A PENDING that a restarted agent thinks unsent is harmless: it reports RUNNING anyway.
        if (lastStatus !== 'PENDING') this.save();
      }
    });
    this.reporting = sent;
    return sent;
  }

  private buildReport(lastStatus: TaskStatus): TaskReport {
    const views = this.state.containers.map((c) => ({ essential: c.essential, health: this.health.get(c.name)?.state.status ?? 'UNKNOWN' as const }));
    const report: TaskReport = {
      lastStatus,
      at: this.deps.clock.now(),
      containers: this.containerReports(),
      ...(this.health.size > 0 ? { healthStatus: taskHealth(views) } : {}),
      ...(this.state.pullStartedAt !== undefined ? { pullStartedAt: this.state.pullStartedAt } : {}),
      ...(this.state.pullStoppedAt !== undefined ? { pullStoppedAt: this.state.pullStoppedAt } : {}),
      ...(this.state.stop && ['STOPPING', 'DEPROVISIONING', 'STOPPED'].includes(lastStatus)
        ? { stopCode: this.state.stop.stopCode, stoppedReason: this.state.stop.reason } : {}),
    };
    return report;
  }

  private sleep(ms: number): Promise<void> {
    return this.timer.sleep(ms);
  }
}

function stopSignalOf(spec: ContainerSpec): NodeJS.Signals {
  const annotations = (spec.oci.annotations ?? {}) as Record<string, string>;
  const s = annotations['org.opencontainers.image.stopSignal'];
  return (s && /^SIG[A-Z0-9]+$/.test(s) ? s : 'SIGTERM') as NodeJS.Signals;
}
