/** CreateLogGroup, DeleteLogGroup, DescribeLogGroups, PutRetentionPolicy, DeleteRetentionPolicy. */
import { decodeToken, encodeToken } from '../control-plane/pagination.js';
import type { LogsContext } from './context.js';
import {
  InvalidParameterException, LimitExceededException, ResourceAlreadyExistsException, groupNotFound,
} from './errors.js';
import type { LogGroupRecord } from './log-store.js';
import { checkGroupName, checkRetentionDays, groupNameFromIdentifier, logArns } from './names.js';
import { checkTags } from './tags.js';

export const DEFAULT_DESCRIBE_LIMIT = 50;

export interface LogGroupWire {
  logGroupName: string;
  creationTime: number;
  arn: string;
  retentionInDays?: number;
  metricFilterCount?: number;
  storedBytes?: number;
  logGroupClass?: string;
  logGroupArn?: string;
}

export function groupToWire(ctx: LogsContext, g: LogGroupRecord, brief = false): LogGroupWire {
  const base = { logGroupName: g.name, creationTime: g.createdAt };
  if (brief) return { ...base, arn: logArns.groupStar(ctx.scope, g.name) };
  return {
    ...base,
    ...(g.retentionDays !== undefined ? { retentionInDays: g.retentionDays } : {}),
    metricFilterCount: 0,
    arn: logArns.groupStar(ctx.scope, g.name),
    storedBytes: g.storedBytes,
    logGroupClass: g.logGroupClass,
    logGroupArn: logArns.group(ctx.scope, g.name),
  };
}

export interface CreateLogGroupInput {
  logGroupName: string;
  kmsKeyId?: string;
  tags?: Record<string, string>;
  logGroupClass?: string;
  deletionProtectionEnabled?: boolean;
}

export async function createLogGroup(ctx: LogsContext, input: CreateLogGroupInput): Promise<Record<string, never>> {
  const name = checkGroupName(input.logGroupName);
  if (input.kmsKeyId !== undefined) throw new InvalidParameterException('Pier does not encrypt log groups with KMS keys: leave out kmsKeyId.');
  if (input.logGroupClass !== undefined && input.logGroupClass !== 'STANDARD') {
    throw new InvalidParameterException(`Pier offers only the STANDARD log group class, not ${input.logGroupClass}.`);
  }
  if (input.deletionProtectionEnabled) throw new InvalidParameterException('Pier does not offer deletion protection for log groups yet.');
  const tags = checkTags(input.tags ?? {});
  if ((await ctx.store.countGroups()) >= ctx.limits.maxLogGroups) {
    throw new LimitExceededException(`Resource limit exceeded: this account may have at most ${ctx.limits.maxLogGroups} log groups.`);
  }
  const created = await ctx.store.createGroup({ name, createdAt: ctx.clock.now(), logGroupClass: 'STANDARD', tags });
  if (created === 'exists') throw new ResourceAlreadyExistsException('The specified log group already exists');
  return {};
}

export async function deleteLogGroup(ctx: LogsContext, input: { logGroupName: string }): Promise<Record<string, never>> {
  if (!(await ctx.store.deleteGroup(checkGroupName(input.logGroupName)))) throw groupNotFound();
  return {};
}

export interface DescribeLogGroupsInput {
  logGroupNamePrefix?: string;
  logGroupNamePattern?: string;
  logGroupIdentifiers?: string[];
  logGroupClass?: string;
  accountIdentifiers?: string[];
  includeLinkedAccounts?: boolean;
  nextToken?: string;
  limit?: number;
}

export async function describeLogGroups(ctx: LogsContext, input: DescribeLogGroupsInput): Promise<{ logGroups: LogGroupWire[]; nextToken?: string }> {
  if (input.logGroupNamePrefix !== undefined && input.logGroupNamePattern !== undefined) {
    throw new InvalidParameterException('LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive. Only one of these parameters can be passed.');
  }
  if (input.logGroupIdentifiers !== undefined && (input.logGroupNamePrefix !== undefined || input.logGroupNamePattern !== undefined)) {
    throw new InvalidParameterException('logGroupIdentifiers cannot be combined with logGroupNamePrefix or logGroupNamePattern.');
  }
  if (input.logGroupNamePrefix !== undefined) checkGroupName(input.logGroupNamePrefix, 'logGroupNamePrefix');
  if (input.logGroupNamePattern !== undefined && !/^[.\-_/#A-Za-z0-9]*$/.test(input.logGroupNamePattern)) {
    throw new InvalidParameterException(`1 validation error detected: Value '${input.logGroupNamePattern}' at 'logGroupNamePattern' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]*`);
  }
  // Only this account's groups exist here: a listing of other accounts only is empty.
  if (input.accountIdentifiers !== undefined && !input.accountIdentifiers.includes(ctx.scope.accountId)) return { logGroups: [] };
  const names = input.logGroupIdentifiers?.map((id) => groupNameFromIdentifier(ctx.scope, id, 'logGroupIdentifiers'));
  const limit = input.limit ?? DEFAULT_DESCRIBE_LIMIT;
  const afterName = decodeToken('DescribeLogGroups', input.nextToken);
  const page = await ctx.store.listGroups({
    ...(input.logGroupNamePrefix !== undefined ? { prefix: input.logGroupNamePrefix } : {}),
    ...(input.logGroupNamePattern ? { contains: input.logGroupNamePattern } : {}),
    ...(names ? { names } : {}),
    ...(input.logGroupClass !== undefined ? { logGroupClass: input.logGroupClass } : {}),
    ...(afterName !== undefined ? { afterName } : {}),
    limit: limit + 1,
  });
  const groups = page.slice(0, limit);
  const nextToken = page.length > limit ? encodeToken('DescribeLogGroups', groups[groups.length - 1]!.name) : undefined;
  // Listed by pattern, AWS shows only the name, creation time and ARN.
  const brief = input.logGroupNamePattern !== undefined;
  return { logGroups: groups.map((g) => groupToWire(ctx, g, brief)), ...(nextToken ? { nextToken } : {}) };
}

export async function putRetentionPolicy(ctx: LogsContext, input: { logGroupName: string; retentionInDays: number }): Promise<Record<string, never>> {
  const name = checkGroupName(input.logGroupName);
  const days = checkRetentionDays(input.retentionInDays);
  const updated = await ctx.store.updateGroup(name, { retentionDays: days });
  if (updated === undefined) throw groupNotFound();
  ctx.retentionChanged?.();
  return {};
}

export async function deleteRetentionPolicy(ctx: LogsContext, input: { logGroupName: string }): Promise<Record<string, never>> {
  const updated = await ctx.store.updateGroup(checkGroupName(input.logGroupName), { retentionDays: null });
  if (updated === undefined) throw groupNotFound();
  return {};
}
