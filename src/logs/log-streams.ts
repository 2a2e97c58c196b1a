/** CreateLogStream, DeleteLogStream, DescribeLogStreams. */
import { decodeToken, encodeToken } from '../control-plane/pagination.js';
import type { LogsContext } from './context.js';
import { InvalidParameterException, ResourceAlreadyExistsException, groupNotFound, streamNotFound } from './errors.js';
import type { LogStreamRecord, StreamListKey, StreamOrder } from './log-store.js';
import { DEFAULT_DESCRIBE_LIMIT } from './log-groups.js';
import { checkGroupName, checkStreamName, groupNameOf, logArns } from './names.js';

export interface LogStreamWire {
  logStreamName: string;
  creationTime: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  uploadSequenceToken: string;
  arn: string;
  storedBytes: number;
}

/** The (ignored) sequence token of a stream after `uploadSequence` appends, 56 digits like AWS's. */
export function sequenceToken(s: Pick<LogStreamRecord, 'id' | 'uploadSequence'>): string {
  return `${String(s.id).padStart(16, '0')}${String(s.uploadSequence + 1).padStart(40, '0')}`;
}

export function streamToWire(ctx: LogsContext, groupName: string, s: LogStreamRecord): LogStreamWire {
  return {
    logStreamName: s.name,
    creationTime: s.createdAt,
    ...(s.firstEventTimestamp !== undefined ? { firstEventTimestamp: s.firstEventTimestamp } : {}),
    ...(s.lastEventTimestamp !== undefined ? { lastEventTimestamp: s.lastEventTimestamp } : {}),
    ...(s.lastIngestionTime !== undefined ? { lastIngestionTime: s.lastIngestionTime } : {}),
    uploadSequenceToken: sequenceToken(s),
    arn: logArns.stream(ctx.scope, groupName, s.name),
    storedBytes: s.storedBytes,
  };
}

export async function createLogStream(ctx: LogsContext, input: { logGroupName: string; logStreamName: string }): Promise<Record<string, never>> {
  const created = await ctx.store.createStream(checkGroupName(input.logGroupName), checkStreamName(input.logStreamName), ctx.clock.now());
  if (created === 'no-group') throw groupNotFound();
  if (created === 'exists') throw new ResourceAlreadyExistsException('The specified log stream already exists');
  return {};
}

export async function deleteLogStream(ctx: LogsContext, input: { logGroupName: string; logStreamName: string }): Promise<Record<string, never>> {
  const result = await ctx.store.deleteStream(checkGroupName(input.logGroupName), checkStreamName(input.logStreamName));
  if (result === 'no-group') throw groupNotFound();
  if (result === 'no-stream') throw streamNotFound();
  return {};
}

export interface DescribeLogStreamsInput {
  logGroupName?: string;
  logGroupIdentifier?: string;
  logStreamNamePrefix?: string;
  orderBy?: StreamOrder;
  descending?: boolean;
  nextToken?: string;
  limit?: number;
}

function decodeStreamKey(token: string | undefined): StreamListKey | undefined {
  const key = decodeToken('DescribeLogStreams', token);
  if (key === undefined) return undefined;
  try {
    const [name, last] = JSON.parse(key) as [unknown, unknown];
    if (typeof name === 'string' && (last === null || typeof last === 'number')) return { name, lastEventTimestamp: last ?? undefined };
  } catch {
    // not ours
  }
  throw new InvalidParameterException('The specified nextToken is invalid.');
}

export async function describeLogStreams(ctx: LogsContext, input: DescribeLogStreamsInput): Promise<{ logStreams: LogStreamWire[]; nextToken?: string }> {
  const groupName = groupNameOf(ctx.scope, input);
  const orderBy = input.orderBy ?? 'LogStreamName';
  if (orderBy === 'LastEventTime' && input.logStreamNamePrefix !== undefined) {
    throw new InvalidParameterException('Cannot order by LastEventTime with a logStreamNamePrefix.');
  }
  if (input.logStreamNamePrefix !== undefined) checkStreamName(input.logStreamNamePrefix, 'logStreamNamePrefix');
  const group = await ctx.store.getGroup(groupName);
  if (!group) throw groupNotFound();
  const limit = input.limit ?? DEFAULT_DESCRIBE_LIMIT;
  const after = decodeStreamKey(input.nextToken);
  const page = await ctx.store.listStreams(group.id, {
    ...(input.logStreamNamePrefix !== undefined ? { prefix: input.logStreamNamePrefix } : {}),
    orderBy, descending: input.descending ?? false, ...(after ? { after } : {}), limit: limit + 1,
  });
  const streams = page.slice(0, limit);
  const last = streams[streams.length - 1];
  const nextToken = page.length > limit && last ? encodeToken('DescribeLogStreams', JSON.stringify([last.name, last.lastEventTimestamp ?? null])) : undefined;
  return { logStreams: streams.map((s) => streamToWire(ctx, group.name, s)), ...(nextToken ? { nextToken } : {}) };
}
