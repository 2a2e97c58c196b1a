/**
 * What ELBv2 checks beyond the model's shapes (pure): resource names, health-check settings with
 * their defaults and ranges, target-group attributes, and rule priorities. Conditions and actions
 * are in conditions.ts and actions.ts. Every refusal is a ValidationError worded as ELBv2 words it.
 */
import { validationError } from '../api/query/errors.js';
import type { TargetGroupHealthCheck } from '../store/store.js';
import { PriorityInUseException } from './errors.js';

/** Load balancer and target group names: 1–32 alphanumerics or hyphens, no hyphen first or last. */
export function checkName(kind: 'Load balancer' | 'Target group', name: string): void {
  if (name.length > 32) throw validationError(`${kind} name '${name}' cannot be longer than '32' characters`);
  if (!/^[a-zA-Z0-9-]+$/.test(name)) {
    throw validationError(`${kind} name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`);
  }
  if (name.startsWith('-') || name.endsWith('-')) throw validationError(`${kind} name '${name}' cannot begin or end with '-' character`);
  if (kind === 'Load balancer' && name.toLowerCase().startsWith('internal-')) {
    throw validationError(`Load balancer name '${name}' cannot begin with 'internal-'`);
  }
}

/** ELBv2's defaults for an HTTP target group of target type ip. */
export const DEFAULT_HEALTH_CHECK: TargetGroupHealthCheck = {
  enabled: true, protocol: 'HTTP', port: 'traffic-port', path: '/', intervalSeconds: 30, timeoutSeconds: 5,
  healthyThresholdCount: 5, unhealthyThresholdCount: 2, httpCode: '200',
};

/** The health-check members of CreateTargetGroup and ModifyTargetGroup (ranges were checked against the model). */
export interface HealthCheckInput {
  HealthCheckProtocol?: string;
  HealthCheckPort?: string;
  HealthCheckEnabled?: boolean;
  HealthCheckPath?: string;
  HealthCheckIntervalSeconds?: number;
  HealthCheckTimeoutSeconds?: number;
  HealthyThresholdCount?: number;
  UnhealthyThresholdCount?: number;
  Matcher?: { HttpCode?: string; GrpcCode?: string };
}

/** Applies the input's health-check members over `base` and checks the result as ELBv2 does. */
export function parseHealthCheck(input: HealthCheckInput, base: TargetGroupHealthCheck): TargetGroupHealthCheck {
  if (input.HealthCheckProtocol !== undefined && input.HealthCheckProtocol !== 'HTTP') {
    throw validationError(`Health check protocol '${input.HealthCheckProtocol}' is not supported: Pier's target groups check over HTTP`);
  }
  if (input.Matcher?.GrpcCode !== undefined) throw validationError('A gRPC code matcher needs a target group of protocol version GRPC');
  const port = input.HealthCheckPort ?? base.port;
  if (port !== 'traffic-port' && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw validationError(`Health check port '${port}' must be 'traffic-port' or a port number from 1 to 65535`);
  }
  const path = input.HealthCheckPath ?? base.path;
  if (!path.startsWith('/')) throw validationError(`Health check path '${path}' must begin with a '/' character`);
  const hc: TargetGroupHealthCheck = {
    enabled: input.HealthCheckEnabled ?? base.enabled, protocol: 'HTTP', port: port === 'traffic-port' ? port : String(Number(port)), path,
    intervalSeconds: input.HealthCheckIntervalSeconds ?? base.intervalSeconds,
    timeoutSeconds: input.HealthCheckTimeoutSeconds ?? base.timeoutSeconds,
    healthyThresholdCount: input.HealthyThresholdCount ?? base.healthyThresholdCount,
    unhealthyThresholdCount: input.UnhealthyThresholdCount ?? base.unhealthyThresholdCount,
    httpCode: input.Matcher?.HttpCode ?? base.httpCode,
  };
  if (hc.timeoutSeconds >= hc.intervalSeconds) {
    throw validationError(`Health check timeout '${hc.timeoutSeconds}' must be smaller than the interval '${hc.intervalSeconds}'`);
  }
  checkHttpCode(hc.httpCode);
  return hc;
}

/** "200", "200,202", "200-299": codes from 200 to 499, ranges ascending. */
export function checkHttpCode(code: string): void {
  const bad = (): never => { throw validationError(`Health check matcher HTTP code '${code}' must be within '200-499' range`); };
  const inRange = (s: string): number => (/^\d{3}$/.test(s) && Number(s) >= 200 && Number(s) <= 499 ? Number(s) : bad());
  const parts = code.split(',');
  for (const part of parts) {
    const range = part.split('-');
    if (range.length === 1) inRange(range[0]!);
    else if (range.length === 2 && parts.length === 1) {
      if (inRange(range[0]!) >= inRange(range[1]!)) bad();
    } else bad();
  }
}

/**
 * The attributes AWS lists for an HTTP target group of an application load balancer, with their
 * defaults. DescribeTargetGroupAttributes answers all of them; only the deregistration delay
 * changes what Pier's data plane does, the others are kept as set.
 */
export const TARGET_GROUP_ATTRIBUTE_DEFAULTS: Readonly<Record<string, string>> = {
  'deregistration_delay.timeout_seconds': '300',
  'stickiness.enabled': 'false',
  'stickiness.type': 'lb_cookie',
  'stickiness.lb_cookie.duration_seconds': '86400',
  'stickiness.app_cookie.cookie_name': '',
  'stickiness.app_cookie.duration_seconds': '86400',
  'load_balancing.algorithm.type': 'round_robin',
  'load_balancing.algorithm.anomaly_mitigation': 'off',
  'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
  'slow_start.duration_seconds': '0',
  'target_group_health.dns_failover.minimum_healthy_targets.count': '1',
  'target_group_health.dns_failover.minimum_healthy_targets.percentage': 'off',
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': '1',
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': 'off',
};

const integerIn = (min: number, max: number) => (v: string): boolean => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max;
const oneOf = (...values: string[]) => (v: string): boolean => values.includes(v);
const ATTRIBUTE_CHECKS: Readonly<Record<string, { test: (v: string) => boolean; expected: string }>> = {
  'deregistration_delay.timeout_seconds': { test: integerIn(0, 3600), expected: 'an integer from 0 to 3600' },
  'stickiness.enabled': { test: oneOf('true', 'false'), expected: "'true' or 'false'" },
  'stickiness.type': { test: oneOf('lb_cookie', 'app_cookie'), expected: "'lb_cookie' or 'app_cookie'" },
  'stickiness.lb_cookie.duration_seconds': { test: integerIn(1, 604800), expected: 'an integer from 1 to 604800' },
  'stickiness.app_cookie.duration_seconds': { test: integerIn(1, 604800), expected: 'an integer from 1 to 604800' },
  'load_balancing.algorithm.type': {
    test: oneOf('round_robin', 'least_outstanding_requests', 'weighted_random'),
    expected: "'round_robin', 'least_outstanding_requests' or 'weighted_random'",
  },
  'load_balancing.algorithm.anomaly_mitigation': { test: oneOf('on', 'off'), expected: "'on' or 'off'" },
  'load_balancing.cross_zone.enabled': { test: oneOf('true', 'false', 'use_load_balancer_configuration'), expected: "'true', 'false' or 'use_load_balancer_configuration'" },
  'slow_start.duration_seconds': { test: (v) => v === '0' || integerIn(30, 900)(v), expected: '0 or an integer from 30 to 900' },
};

/** The group's attributes after a ModifyTargetGroupAttributes of `changes`; unknown keys and bad values are refused. */
export function applyAttributes(current: Readonly<Record<string, string>>, changes: readonly { Key?: string; Value?: string }[]): Record<string, string> {
  const next = { ...current };
  for (const { Key: key, Value: value = '' } of changes) {
    if (key === undefined || !(key in TARGET_GROUP_ATTRIBUTE_DEFAULTS)) throw validationError(`Target group attribute key '${key ?? ''}' is not recognized`);
    const check = ATTRIBUTE_CHECKS[key];
    if (check && !check.test(value)) throw validationError(`Target group attribute '${key}' value '${value}' is not valid: it must be ${check.expected}`);
    next[key] = value;
  }
  return next;
}

export const deregistrationDelaySeconds = (attributes: Readonly<Record<string, string>>): number =>
  Number(attributes['deregistration_delay.timeout_seconds'] ?? TARGET_GROUP_ATTRIBUTE_DEFAULTS['deregistration_delay.timeout_seconds']);

/**
 * Priorities after SetRulePriorities: `current` maps each rule of a listener to its priority,
 * `changes` the rules to move. Two rules may not end on one priority (PriorityInUse), and one call
 * may not name a rule twice.
 */
export function applyPriorities(current: ReadonlyMap<string, number>, changes: readonly { ruleArn: string; priority: number }[]): Map<string, number> {
  const next = new Map(current);
  const named = new Set<string>();
  for (const c of changes) {
    if (named.has(c.ruleArn)) throw validationError(`Rule '${c.ruleArn}' is specified more than once`);
    named.add(c.ruleArn);
    next.set(c.ruleArn, c.priority);
  }
  const holder = new Map<number, string>();
  for (const [arn, priority] of next) {
    if (holder.has(priority)) throw new PriorityInUseException(`Priority '${priority}' is currently in use`);
    holder.set(priority, arn);
  }
  return next;
}
