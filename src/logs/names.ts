/**
 * Log group and stream names, their ARNs, and the "name or ARN" identifiers the API accepts. Pure.
 *
 * A log group's ARN is `arn:<partition>:logs:<region>:<account>:log-group:<name>`; DescribeLogGroups
 * shows it with `:*` appended as `arn` and without as `logGroupArn`, as AWS does. A stream's ARN
 * is the group's followed by `:log-stream:<name>`.
 */
import type { AccountScope } from '../ecs/arn.js';
import { parseArn } from '../ecs/arn.js';
import { InvalidParameterException, ResourceNotFoundException, groupNotFound } from './errors.js';

export const GROUP_NAME_PATTERN = '[\\.\\-_/#A-Za-z0-9]+';
export const STREAM_NAME_PATTERN = '[^:*]*';
const GROUP_NAME = new RegExp(`^${GROUP_NAME_PATTERN}$`);
const STREAM_NAME = new RegExp(`^${STREAM_NAME_PATTERN}$`);

const patternError = (value: string, member: string, pattern: string): InvalidParameterException =>
  new InvalidParameterException(`1 validation error detected: Value '${value.length > 100 ? `${value.slice(0, 100)}...` : value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern}`);

/** Lengths were checked against the model already; this adds the model's patterns, which AWS enforces. */
export function checkGroupName(name: string, member = 'logGroupName'): string {
  if (!GROUP_NAME.test(name)) throw patternError(name, member, GROUP_NAME_PATTERN);
  return name;
}

export function checkStreamName(name: string, member = 'logStreamName'): string {
  if (!STREAM_NAME.test(name)) throw patternError(name, member, STREAM_NAME_PATTERN);
  return name;
}

const prefix = (s: AccountScope): string => `arn:${s.partition}:logs:${s.region}:${s.accountId}`;

export const logArns = {
  group: (s: AccountScope, name: string): string => `${prefix(s)}:log-group:${name}`,
  groupStar: (s: AccountScope, name: string): string => `${prefix(s)}:log-group:${name}:*`,
  stream: (s: AccountScope, group: string, stream: string): string => `${prefix(s)}:log-group:${group}:log-stream:${stream}`,
};

/**
 * The group name in a log group ARN (with or without `:*`) of this account and region;
 * ResourceNotFoundException for a well-formed ARN of something else, InvalidParameterException
 * for text that is no log group ARN at all.
 */
export function groupNameFromArn(scope: AccountScope, arn: string, member: string): string {
  const parsed = parseArn(arn);
  if (!parsed || parsed.service !== 'logs') throw new InvalidParameterException(`${member} '${arn}' is not a CloudWatch Logs ARN.`);
  const m = /^log-group:([^:]+)(?::\*)?$/.exec(parsed.resource);
  if (!m) throw new ResourceNotFoundException(`The specified resource does not exist: ${arn} is not a log group ARN.`);
  if (parsed.region !== scope.region || parsed.accountId !== scope.accountId || parsed.partition !== scope.partition) throw groupNotFound();
  return checkGroupName(m[1]!, member);
}

/** A `logGroupIdentifier`: a group name, or a group ARN. */
export function groupNameFromIdentifier(scope: AccountScope, identifier: string, member = 'logGroupIdentifier'): string {
  return identifier.startsWith('arn:') ? groupNameFromArn(scope, identifier, member) : checkGroupName(identifier, member);
}

/** Operations that take `logGroupName` or `logGroupIdentifier`: exactly one of them. */
export function groupNameOf(scope: AccountScope, input: { logGroupName?: string; logGroupIdentifier?: string }): string {
  if (input.logGroupName !== undefined && input.logGroupIdentifier !== undefined) {
    throw new InvalidParameterException('LogGroupName and LogGroupIdentifier are mutually exclusive: give one of them.');
  }
  if (input.logGroupName !== undefined) return checkGroupName(input.logGroupName);
  if (input.logGroupIdentifier !== undefined) return groupNameFromIdentifier(scope, input.logGroupIdentifier);
  throw new InvalidParameterException('Either logGroupName or logGroupIdentifier must be given.');
}

/** The retention periods AWS accepts, in days. */
export const RETENTION_DAYS: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export function checkRetentionDays(days: number): number {
  if (!RETENTION_DAYS.includes(days)) {
    throw new InvalidParameterException(`1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`);
  }
  return days;
}
