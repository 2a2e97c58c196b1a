/**
 * The agent's load-balancer role: long-polls the load balancers this host runs, has the HAProxy
 * supervisor apply each new assignment, reports target health read from HAProxy every few
 * seconds (when it changed, and at least every 15 s while there is something to report), and
 * reports HAProxy's traffic counters every 10 s, before each change and when it stops
 * (traffic-reporter.ts).
 *
 * A control plane without the load-balancing routes (404) is waited out quietly, re-asked every
 * minute. Draining targets are dropped when their deregistration delay passes, without waiting for
 * a new assignment: each health tick re-applies the current one once a deadline is due.
 */
import { coerceError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { LoadBalancingAssignment, TargetHealthReport } from '../../protocol/load-balancing.js';
import { ControlPlaneError, type ControlPlaneClient } from '../control-plane-client.js';
import type { CounterSnapshot } from './haproxy-counters.js';
import type { ApplyOutcome } from './haproxy-supervisor.js';
import { sameHealth, targetHealth, type ServerStat } from './target-health.js';
import { DEFAULT_TRAFFIC_INTERVAL_MS, TrafficReporter } from './traffic-reporter.js';

/** What the role needs of the supervisor (haproxy-supervisor.ts; a fake in unit tests). */
export interface DataPlane {
  adopt(): boolean;
  running(): boolean;
  apply(a: LoadBalancingAssignment, nowMs: number): Promise<ApplyOutcome>;
  stats(): Promise<ServerStat[]>;
  counters(at: number): Promise<CounterSnapshot>;
}

export interface LoadBalancerRoleOptions {
  client: Pick<ControlPlaneClient, 'loadBalancers' | 'reportTargetHealth' | 'reportLoadBalancerTraffic'>;
  dataPlane: DataPlane;
  clock: Clock;
  log: Logger;
  /** How often HAProxy's server state is read (default 3 s). */
  healthIntervalMs?: number;
  /** An unchanged report is sent again after this long (default 15 s). */
  resendMs?: number;
  /** How often traffic counters are read and reported (default 10 s). */
  trafficIntervalMs?: number;
  /** Long-poll length asked of the control plane (default 20 s). */
  waitSeconds?: number;
  /** Pause after a failed poll (default 1 s; a 404 waits 60 s). */
  retryMs?: number;
}

export class LoadBalancerRole {
  private current: LoadBalancingAssignment | undefined;
  private lastReport: TargetHealthReport[] | undefined;
  private lastReportAt = 0;
  private applying: Promise<void> = Promise.resolve();
  private failedApply = false;
  private lastAppliedAt = 0;
  /** The assignment HAProxy runs (the last one applied without error). */
  private inEffect: LoadBalancingAssignment | undefined;
  readonly traffic: TrafficReporter;

  constructor(private readonly o: LoadBalancerRoleOptions) {
    this.traffic = new TrafficReporter({
      read: async () => (o.dataPlane.running() ? o.dataPlane.counters(o.clock.now()) : undefined),
      send: (req) => o.client.reportLoadBalancerTraffic(req),
      log: o.log,
    });
  }

  /** Runs until the signal aborts. HAProxy is left running (a restarted agent adopts it). */
  async run(signal: AbortSignal): Promise<void> {
    if (!this.o.dataPlane.adopt()) this.traffic.countFromZero(this.o.clock.now());
    await Promise.all([this.pollLoop(signal), this.healthLoop(signal), this.trafficLoop(signal)]);
  }

  private async pollLoop(signal: AbortSignal): Promise<void> {
    let cursor: string | undefined;
    let missingRoute = false;
    while (!signal.aborted) {
      try {
        const a = await this.o.client.loadBalancers(cursor, this.o.waitSeconds ?? 20, signal);
        missingRoute = false;
        if (a.cursor === cursor && this.current) continue;
        cursor = a.cursor;
        this.current = a;
        await this.applyCurrent();
      } catch (err) {
        if (signal.aborted) return;
        cursor = undefined;
        if (err instanceof ControlPlaneError && err.status === 404) {
          if (!missingRoute) this.o.log.debug('the control plane has no load-balancing route yet; asking again in a minute');
          missingRoute = true;
          await delay(60_000, signal);
          continue;
        }
        this.o.log.warn('fetching load balancers failed', { error: coerceError(err).message });
        await delay(this.o.retryMs ?? 1000, signal);
      }
    }
  }

  /** Applies the current assignment (one at a time; a failure is logged and retried next tick). */
  private applyCurrent(): Promise<void> {
    const a = this.current;
    if (!a) return this.applying;
    this.applying = this.applying.then(async () => {
      try {
        // A reload resets HAProxy's counters and a deleted server takes its own: count up to here first.
        await this.traffic.observe(this.inEffect);
        const outcome = await this.o.dataPlane.apply(a, this.o.clock.now());
        this.inEffect = a;
        if (outcome !== 'unchanged' && outcome !== 'idle') this.o.log.info('load balancers applied', { outcome, cursor: a.cursor });
        this.failedApply = false;
      } catch (err) {
        this.failedApply = true;
        this.o.log.error('could not apply the load balancers', { error: coerceError(err).message });
      }
    });
    return this.applying;
  }

  private async healthLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await delay(this.o.healthIntervalMs ?? 3000, signal);
      if (signal.aborted) return;
      await this.tick().catch((err: unknown) => this.o.log.warn('target health check failed', { error: coerceError(err).message }));
    }
  }

  /** Reads and reports traffic every interval, and once more when stopping. */
  private async trafficLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await delay(this.o.trafficIntervalMs ?? DEFAULT_TRAFFIC_INTERVAL_MS, signal);
      // In turn with applies: a reading is always of the assignment HAProxy runs.
      this.applying = this.applying.then(() => this.traffic.observe(this.inEffect));
      await this.applying;
      await this.traffic.flush();
    }
  }

  /** One health round: re-apply if a drain deadline passed (or the last apply failed), read, report. */
  async tick(): Promise<void> {
    const a = this.current;
    if (!a) return;
    const now = this.o.clock.now();
    if (this.failedApply || drainDue(a, this.lastAppliedAt, now)) await this.applyCurrent();
    this.lastAppliedAt = now;
    const stats = this.o.dataPlane.running() ? await this.o.dataPlane.stats() : [];
    const report = targetHealth(a, stats, now);
    if (this.lastReport && sameHealth(report, this.lastReport) && now - this.lastReportAt < (this.o.resendMs ?? 15_000)) return;
    if (report.length === 0 && this.lastReport?.length === 0) return;
    try {
      await this.o.client.reportTargetHealth({ targets: report });
      this.lastReport = report;
      this.lastReportAt = now;
    } catch (err) {
      if (!(err instanceof ControlPlaneError && err.status === 404)) this.o.log.warn('reporting target health failed', { error: coerceError(err).message });
    }
  }
}

/** Whether some draining target's delay ended between the last tick and now. */
function drainDue(a: LoadBalancingAssignment, since: number, now: number): boolean {
  return a.targetGroups.some((tg) => tg.targets.some((t) => {
    if (t.drainingSinceMs === undefined) return false;
    const end = t.drainingSinceMs + tg.deregistrationDelaySeconds * 1000;
    return end > since && end <= now;
  }));
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
