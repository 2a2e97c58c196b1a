/**
 * The load-balancing part of the agent protocol: what the control plane tells a host's data plane
 * (the ELBv2 role, run by the agent with HAProxy) and what the host reports back.
 *
 * Every host registered with the load-balancer role runs every load balancer's listeners, the way
 * an application load balancer has a node in each of its zones.
 *
 *   GET  /agent/v1/hosts/{id}/load-balancers?since=&waitSeconds=   LoadBalancingAssignment, long-poll
 *   POST /agent/v1/hosts/{id}/target-health                        ReportTargetHealthRequest
 *   POST /agent/v1/hosts/{id}/load-balancer-metrics                ReportLoadBalancerTrafficRequest
 */

export interface LoadBalancingAssignment {
  loadBalancers: LoadBalancerConfig[];
  targetGroups: TargetGroupConfig[];
  /** Fingerprint of this configuration; pass it back as `since` to long-poll until it changes. */
  cursor: string;
}

export interface LoadBalancerConfig {
  loadBalancerArn: string;
  name: string;
  /** Address the listeners bind on this host (Pier option; 127.0.0.1 unless configured otherwise). */
  bindAddress: string;
  listeners: ListenerConfig[];
}

export interface ListenerConfig {
  listenerArn: string;
  port: number;
  protocol: 'HTTP';
  /** The default action: forward to a target group, or answer with a fixed response. */
  defaultAction: ListenerAction;
  /** Rules in priority order (lowest number first); the first whose conditions all match wins. */
  rules: RuleConfig[];
}

export type ListenerAction =
  | { type: 'forward'; targetGroups: { targetGroupArn: string; weight: number }[] }
  | { type: 'fixed-response'; statusCode: number; contentType?: string; messageBody?: string };

export interface RuleConfig {
  ruleArn: string;
  priority: number;
  /** ELBv2 wildcard patterns (`*` any run, `?` one character); absent means any. */
  pathPatterns?: string[];
  hostHeaders?: string[];
  action: ListenerAction;
}

export interface TargetGroupConfig {
  targetGroupArn: string;
  name: string;
  protocol: 'HTTP';
  port: number;
  healthCheck: HealthCheckConfig;
  /** deregistration_delay.timeout_seconds: how long a draining target may finish in-flight requests. */
  deregistrationDelaySeconds: number;
  targets: TargetConfig[];
}

export interface HealthCheckConfig {
  enabled: boolean;
  protocol: 'HTTP';
  /** 'traffic-port' means the target's own port. */
  port: 'traffic-port' | number;
  path: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThresholdCount: number;
  unhealthyThresholdCount: number;
  /** HTTP codes counted healthy, as ELBv2 writes them: "200", "200-299", "200,202". */
  httpCode: string;
}

export interface TargetConfig {
  /** The target's IP address (target type ip). */
  id: string;
  port: number;
  /** Deregistered at this time (epoch ms): the target takes no new requests and is dropped after the delay. */
  drainingSinceMs?: number;
}

export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';

export interface TargetHealthReport {
  targetGroupArn: string;
  id: string;
  port: number;
  state: TargetHealthState;
  /** ELBv2's TargetHealthReasonEnum value, e.g. Target.FailedHealthChecks, Target.Timeout. */
  reason?: string;
  description?: string;
}

export interface ReportTargetHealthRequest {
  /** Every target this host checks, each time (a report replaces the host's previous one). */
  targets: TargetHealthReport[];
}

/**
 * What a host's HAProxy counted between two readings of its `show stat`: counters as deltas since
 * the previous reading (a counter that went down, or a new HAProxy worker, counts from zero),
 * target health as read. Health checks are not requests and are counted nowhere here.
 */
export interface LoadBalancerTrafficSample {
  /** When the counters were read (epoch ms). */
  at: number;
  /** Since the previous reading. */
  intervalMs: number;
  loadBalancers: LoadBalancerTraffic[];
  targetGroups: TargetGroupTraffic[];
}

/** Responses by status class. */
export interface ResponseCounts {
  http2xx: number;
  http3xx: number;
  http4xx: number;
  http5xx: number;
}

/** A load balancer's listeners together. Responses are all it sent, its targets' included. */
export interface LoadBalancerTraffic extends ResponseCounts {
  loadBalancerArn: string;
  /** Requests the listeners received. */
  requests: number;
  /** Of those, answered by the listener itself without choosing a target group (fixed responses). */
  fixedResponses: number;
  /** Client connections accepted. */
  newConnections: number;
}

export interface TargetGroupTraffic {
  targetGroupArn: string;
  /** The load balancers whose listeners forward to this group. */
  loadBalancerArns: string[];
  /** Requests routed to the group, whether a target or (none being available) the load balancer answered. */
  requests: number;
  /** Targets in state healthy and unhealthy at the reading (as in the host's target-health report). */
  healthyTargets: number;
  unhealthyTargets: number;
  /** Targets that are (or were, in this interval) servers of the group. */
  targets: TargetTraffic[];
}

/** One target's share: requests sent to it and the responses it gave. */
export interface TargetTraffic extends ResponseCounts {
  id: string;
  port: number;
  requests: number;
  /** HAProxy's average response time of the target over its last 1,024 responses (ms), at the reading. */
  responseTimeMs?: number;
}

export interface ReportLoadBalancerTrafficRequest {
  /** Oldest first; samples the control plane did not take are sent again with the next ones. */
  samples: LoadBalancerTrafficSample[];
}

export interface ReportLoadBalancerTrafficResponse {
  /** Samples stored as AWS/ApplicationELB metrics. */
  accepted: number;
}
