/**
 * Load-balancer traffic, agent side: reads HAProxy's counters (haproxy-counters.ts), turns what
 * changed since the previous reading into a sample in the control plane's terms
 * (traffic-sample.ts), and sends the samples (POST /agent/v1/hosts/{id}/load-balancer-metrics),
 * which the control plane publishes as AWS/ApplicationELB metrics. The load-balancer role reads
 * every interval, before every change it makes to HAProxy (a reload resets the counters, a deleted
 * server takes its own with it) and when the agent stops.
 *
 * Readings are serialized (each delta is taken against the reading before it), and so are sends,
 * each chain on its own: a slow control plane never holds up the reading before a change. A sample
 * that does not reach the control plane is sent again with the next ones (up to `maxPending`,
 * oldest dropped first), so a control plane restart loses no requests. An agent that adopts a
 * running HAProxy takes its first reading as the baseline: what the worker counted before was the
 * previous agent's to report.
 */
import { coerceError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type {
  LoadBalancerTrafficSample, LoadBalancingAssignment, ReportLoadBalancerTrafficRequest, ReportLoadBalancerTrafficResponse,
} from '../../protocol/load-balancing.js';
import { ControlPlaneError } from '../control-plane-client.js';
import { counterDeltas, emptySnapshot, type CounterSnapshot } from './haproxy-counters.js';
import { trafficSample } from './traffic-sample.js';

export const DEFAULT_TRAFFIC_INTERVAL_MS = 10_000;
/** At most this many samples go in one report (the control plane takes up to 100). */
export const SAMPLES_PER_REPORT = 100;

export interface TrafficReporterOptions {
  /** Reads HAProxy's counters now; undefined when it is not running. */
  read(): Promise<CounterSnapshot | undefined>;
  send(req: ReportLoadBalancerTrafficRequest): Promise<ReportLoadBalancerTrafficResponse>;
  log: Logger;
  /** Samples kept while the control plane cannot be reached (default 360: an hour at 10 s). */
  maxPending?: number;
}

export class TrafficReporter {
  private prev: CounterSnapshot | undefined;
  private pending: LoadBalancerTrafficSample[] = [];
  private reading: Promise<void> = Promise.resolve();
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly o: TrafficReporterOptions) {}

  /** HAProxy is not running yet: the worker the agent starts counts from zero, all of it new. */
  countFromZero(at: number): void {
    this.prev = emptySnapshot(at);
  }

  /** Samples waiting to be sent. */
  get queued(): readonly LoadBalancerTrafficSample[] {
    return this.pending;
  }

  /**
   * Reads the counters and queues what changed under `a`, the assignment HAProxy runs (without
   * one, or at the first reading of an adopted HAProxy, the reading is only the baseline).
   */
  observe(a: LoadBalancingAssignment | undefined): Promise<void> {
    this.reading = settled(this.reading.then(async () => {
      const cur = await this.o.read().catch((err: unknown) => {
        this.o.log.warn('reading HAProxy counters failed', { error: coerceError(err).message });
        return undefined;
      });
      if (!cur) return;
      const prev = this.prev;
      this.prev = cur;
      if (!prev || !a || a.loadBalancers.length === 0) return;
      this.pending.push(trafficSample(a, counterDeltas(prev, cur), cur, prev.at));
      const max = this.o.maxPending ?? 360;
      if (this.pending.length > max) this.pending.splice(0, this.pending.length - max);
    }));
    return this.reading;
  }

  /** Sends the queued samples; those not taken stay queued (dropped when the control plane lacks the route or refuses them). */
  flush(): Promise<void> {
    this.sending = settled(this.sending.then(async () => {
      while (this.pending.length > 0) {
        const batch = this.pending.slice(0, SAMPLES_PER_REPORT);
        try {
          await this.o.send({ samples: batch });
        } catch (err) {
          if (err instanceof ControlPlaneError && err.status === 404) {
            this.pending = [];
            return;
          }
          if (err instanceof ControlPlaneError && err.status === 400) {
            // Refused as malformed: sending it again would not help.
            this.o.log.error('the control plane refused load-balancer traffic samples', { error: err.message });
            this.drop(batch);
            continue;
          }
          this.o.log.warn('reporting load-balancer traffic failed', { error: coerceError(err).message, queued: this.pending.length });
          return;
        }
        this.drop(batch);
      }
    }));
    return this.sending;
  }

  /** Readings go on while a batch is sent (and may drop the oldest samples): remove exactly those sent. */
  private drop(batch: readonly LoadBalancerTrafficSample[]): void {
    const sent = new Set(batch);
    this.pending = this.pending.filter((s) => !sent.has(s));
  }
}

/** A step of a chain: its failure is logged where it happens, never breaks the chain. */
function settled(p: Promise<void>): Promise<void> {
  return p.catch(() => undefined);
}
