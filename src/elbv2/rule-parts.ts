/**
 * Rule conditions and listener actions (pure): what ELBv2 accepts of them in the subset Pier
 * serves (path-pattern and host-header conditions; forward and fixed-response actions), their
 * normalised wire form (as DescribeRules and DescribeListeners answer them), and their form in the
 * agent protocol.
 */
import { validationError } from '../api/query/errors.js';
import type { ListenerAction } from '../protocol/load-balancing.js';
import { InvalidLoadBalancerActionException } from './errors.js';

type Wire = Record<string, unknown>;

export interface ConditionInput {
  Field?: string;
  Values?: string[];
  PathPatternConfig?: { Values?: string[]; RegexValues?: string[] };
  HostHeaderConfig?: { Values?: string[]; RegexValues?: string[] };
  RegexValues?: string[];
  [other: string]: unknown;
}

const MAX_CONDITION_VALUES = 5;
const PATH_CHARS = /^[A-Za-z0-9_\-.$/~"'@:+&*?]+$/;
const HOST_CHARS = /^[A-Za-z0-9\-.*?]+$/;

/** Checks a rule's conditions and returns them as DescribeRules shows them (Values and the Config both set). */
export function parseConditions(conditions: readonly ConditionInput[]): Wire[] {
  if (conditions.length === 0) throw validationError('A rule must have at least one condition');
  const seen = new Set<string>();
  let total = 0;
  const out = conditions.map((c) => {
    const field = c.Field;
    if (field !== 'path-pattern' && field !== 'host-header') {
      throw validationError(`Condition field '${field ?? ''}' is not supported: Pier's rules match 'path-pattern' and 'host-header'`);
    }
    if (seen.has(field)) throw validationError(`A rule can only have one '${field}' condition`);
    seen.add(field);
    const configName = field === 'path-pattern' ? 'PathPatternConfig' : 'HostHeaderConfig';
    const config = c[configName] as { Values?: string[]; RegexValues?: string[] } | undefined;
    if (c.RegexValues !== undefined || config?.RegexValues !== undefined) throw validationError('Regular expression condition values are not supported by Pier');
    if (c.Values !== undefined && config?.Values !== undefined) {
      throw validationError(`You cannot specify both 'Values' and '${configName}' in a '${field}' condition`);
    }
    const values = c.Values ?? config?.Values ?? [];
    if (values.length === 0) throw validationError(`A '${field}' condition must have at least one value`);
    for (const v of values) checkPatternValue(field, v);
    total += values.length;
    return { Field: field, Values: [...values], [configName]: { Values: [...values] } };
  });
  if (total > MAX_CONDITION_VALUES) throw validationError(`A rule can only have '${MAX_CONDITION_VALUES}' condition values`);
  return out;
}

/** A path or host pattern: up to 128 characters of those ELBv2 allows (`*` and `?` are wildcards). */
export function checkPatternValue(field: 'path-pattern' | 'host-header', value: string): void {
  if (value.length === 0 || value.length > 128) throw validationError(`The '${field}' value '${value}' must be between 1 and 128 characters long`);
  if (!(field === 'path-pattern' ? PATH_CHARS : HOST_CHARS).test(value)) {
    throw validationError(`The '${field}' value '${value}' contains characters that are not valid`);
  }
}

/** The patterns of a stored rule's conditions, for the agent. */
export function conditionPatterns(conditions: readonly Wire[]): { pathPatterns?: string[]; hostHeaders?: string[] } {
  const of = (field: string) => conditions.find((c) => c['Field'] === field)?.['Values'] as string[] | undefined;
  const path = of('path-pattern');
  const host = of('host-header');
  return { ...(path ? { pathPatterns: path } : {}), ...(host ? { hostHeaders: host } : {}) };
}

export interface ActionInput {
  Type?: string;
  TargetGroupArn?: string;
  Order?: number;
  ForwardConfig?: { TargetGroups?: { TargetGroupArn?: string; Weight?: number }[]; TargetGroupStickinessConfig?: { Enabled?: boolean; DurationSeconds?: number } };
  FixedResponseConfig?: { StatusCode: string; ContentType?: string; MessageBody?: string };
  [other: string]: unknown;
}

const CONTENT_TYPES = ['text/plain', 'text/css', 'text/html', 'application/javascript', 'application/json'];
const MAX_FORWARD_GROUPS = 5;

/**
 * Checks a listener's or rule's actions and returns them normalised, with the target groups they
 * name (the caller checks that those exist). Pier serves one terminal action: forward (to one
 * group, or weighted to up to five) or fixed-response.
 */
export function parseActions(actions: readonly ActionInput[]): { actions: Wire[]; targetGroupArns: string[] } {
  if (actions.length === 0) throw validationError('At least one action must be specified');
  if (actions.length > 1) throw new InvalidLoadBalancerActionException('Pier serves one action per listener or rule: a forward or a fixed-response action');
  const a = actions[0]!;
  const order = a.Order !== undefined ? { Order: a.Order } : {};
  if (a.Type === 'fixed-response') {
    const f = a.FixedResponseConfig;
    if (!f) throw validationError("A fixed-response action must have a 'FixedResponseConfig'");
    if (f.ContentType !== undefined && !CONTENT_TYPES.includes(f.ContentType)) {
      throw validationError(`Fixed response content type '${f.ContentType}' is not valid: use one of ${CONTENT_TYPES.join(', ')}`);
    }
    return {
      actions: [{ Type: 'fixed-response', ...order, FixedResponseConfig: {
        StatusCode: f.StatusCode, ...(f.ContentType !== undefined ? { ContentType: f.ContentType } : {}),
        ...(f.MessageBody !== undefined ? { MessageBody: f.MessageBody } : {}),
      } }],
      targetGroupArns: [],
    };
  }
  if (a.Type !== 'forward') {
    throw new InvalidLoadBalancerActionException(`Action type '${a.Type ?? ''}' is not supported by Pier: use 'forward' or 'fixed-response'`);
  }
  const groups = parseForwardGroups(a);
  const stickiness = a.ForwardConfig?.TargetGroupStickinessConfig;
  if (stickiness?.Enabled && (stickiness.DurationSeconds === undefined || stickiness.DurationSeconds < 1 || stickiness.DurationSeconds > 604800)) {
    throw validationError('Target group stickiness duration must be between 1 and 604800 seconds');
  }
  const forwardConfig = {
    TargetGroups: groups,
    TargetGroupStickinessConfig: stickiness?.Enabled ? { Enabled: true, DurationSeconds: stickiness.DurationSeconds } : { Enabled: false },
  };
  return {
    actions: [{ Type: 'forward', ...(groups.length === 1 ? { TargetGroupArn: groups[0]!.TargetGroupArn } : {}), ...order, ForwardConfig: forwardConfig }],
    targetGroupArns: groups.map((g) => g.TargetGroupArn),
  };
}

function parseForwardGroups(a: ActionInput): { TargetGroupArn: string; Weight: number }[] {
  const listed = a.ForwardConfig?.TargetGroups;
  if (listed === undefined || listed.length === 0) {
    if (a.TargetGroupArn === undefined) throw validationError("A forward action must have either a 'TargetGroupArn' or a 'ForwardConfig' with target groups");
    return [{ TargetGroupArn: a.TargetGroupArn, Weight: 1 }];
  }
  if (listed.length > MAX_FORWARD_GROUPS) throw validationError(`A forward action can have at most '${MAX_FORWARD_GROUPS}' target groups`);
  const seen = new Set<string>();
  const groups = listed.map((g) => {
    if (g.TargetGroupArn === undefined) throw validationError("Each target group of a 'ForwardConfig' must have a 'TargetGroupArn'");
    if (seen.has(g.TargetGroupArn)) throw validationError(`Target group '${g.TargetGroupArn}' is specified more than once in the forward action`);
    seen.add(g.TargetGroupArn);
    const weight = g.Weight ?? 1;
    if (weight < 0 || weight > 999) throw validationError(`Target group weight '${weight}' must be between 0 and 999`);
    return { TargetGroupArn: g.TargetGroupArn, Weight: weight };
  });
  if (a.TargetGroupArn !== undefined && (groups.length !== 1 || groups[0]!.TargetGroupArn !== a.TargetGroupArn)) {
    throw validationError("The 'TargetGroupArn' of a forward action must be the only target group of its 'ForwardConfig' when both are specified");
  }
  return groups;
}

/** A stored (normalised) action in the agent protocol's form. */
export function toProtocolAction(action: Wire): ListenerAction {
  if (action['Type'] === 'fixed-response') {
    const f = action['FixedResponseConfig'] as { StatusCode: string; ContentType?: string; MessageBody?: string };
    return {
      type: 'fixed-response', statusCode: Number(f.StatusCode),
      ...(f.ContentType !== undefined ? { contentType: f.ContentType } : {}), ...(f.MessageBody !== undefined ? { messageBody: f.MessageBody } : {}),
    };
  }
  const groups = (action['ForwardConfig'] as { TargetGroups: { TargetGroupArn: string; Weight: number }[] }).TargetGroups;
  return { type: 'forward', targetGroups: groups.map((g) => ({ targetGroupArn: g.TargetGroupArn, weight: g.Weight })) };
}

/** Target groups a stored action list forwards to. */
export function forwardedGroups(actions: readonly Wire[]): string[] {
  return actions.flatMap((a) => (a['Type'] === 'forward'
    ? (a['ForwardConfig'] as { TargetGroups: { TargetGroupArn: string }[] }).TargetGroups.map((g) => g.TargetGroupArn) : []));
}
