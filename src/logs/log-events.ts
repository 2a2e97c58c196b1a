/** PutLogEvents, GetLogEvents, FilterLogEvents. */
import { decodeToken, encodeToken } from '../control-plane/pagination.js';
import { planBatch, type InputLogEvent, type RejectedLogEventsInfo } from './batch-rules.js';
import { retentionCutoff, type LogsContext } from './context.js';
import { InvalidParameterException, groupNotFound, streamNotFound } from './errors.js';
import { compileFilterPattern } from './filter-pattern.js';
import type { LogGroupRecord, StoredLogEvent } from './log-store.js';
import { sequenceToken } from './log-streams.js';
import { checkGroupName, checkStreamName, groupNameOf } from './names.js';
import { pageTokens, planStreamRead, type Boundary } from './stream-tokens.js';

/** Responses carry at most this many bytes of events (messages + 26 each), as AWS's 1 MB. */
export const MAX_RESPONSE_BYTES = 1_048_576;
export const DEFAULT_EVENTS_LIMIT = 10_000;

export interface PutLogEventsInput {
  logGroupName: string;
  logStreamName: string;
  logEvents: InputLogEvent[];
  sequenceToken?: string;
}

export async function putLogEvents(
  ctx: LogsContext, input: PutLogEventsInput,
): Promise<{ nextSequenceToken: string; rejectedLogEventsInfo?: RejectedLogEventsInfo }> {
  const found = await ctx.store.getStream(checkGroupName(input.logGroupName), checkStreamName(input.logStreamName));
  if (!found) throw groupNotFound();
  if (!found.stream) throw streamNotFound();
  const now = ctx.clock.now();
  // Sequence tokens are accepted and ignored, as AWS has done since 2023.
  const plan = planBatch(input.logEvents, now, found.group.retentionDays);
  const accepted = input.logEvents.slice(plan.start, plan.end);
  const stream = accepted.length > 0 ? await ctx.store.appendEvents(found.stream.id, accepted, now) : found.stream;
  if (!stream) throw streamNotFound();
  return { nextSequenceToken: sequenceToken(stream), ...(plan.rejected ? { rejectedLogEventsInfo: plan.rejected } : {}) };
}

export interface GetLogEventsInput {
  logGroupName?: string;
  logGroupIdentifier?: string;
  logStreamName: string;
  startTime?: number;
  endTime?: number;
  nextToken?: string;
  limit?: number;
  startFromHead?: boolean;
}

export interface OutputLogEvent { timestamp: number; message: string; ingestionTime: number }

export async function getLogEvents(
  ctx: LogsContext, input: GetLogEventsInput,
): Promise<{ events: OutputLogEvent[]; nextForwardToken: string; nextBackwardToken: string }> {
  const found = await ctx.store.getStream(groupNameOf(ctx.scope, input), checkStreamName(input.logStreamName));
  if (!found) throw groupNotFound();
  if (!found.stream) throw streamNotFound();
  const streamId = found.stream.id;
  const plan = planStreamRead(streamId, input);
  const events = await ctx.store.readStream(streamId, {
    direction: plan.direction, from: plan.from,
    ...(input.startTime !== undefined ? { startTime: input.startTime } : {}),
    ...(input.endTime !== undefined ? { endTime: input.endTime } : {}),
    notBefore: retentionCutoff(found.group.retentionDays, ctx.clock.now()),
    limit: input.limit ?? DEFAULT_EVENTS_LIMIT,
    maxBytes: MAX_RESPONSE_BYTES,
  });
  const first = events[0];
  const last = events[events.length - 1];
  const page = first && last ? { first: { ts: first.timestamp, id: first.id }, last: { ts: last.timestamp, id: last.id } } : undefined;
  return {
    events: events.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
    ...pageTokens(streamId, plan, page, input.startTime),
  };
}

export interface FilterLogEventsInput {
  logGroupName?: string;
  logGroupIdentifier?: string;
  logStreamNames?: string[];
  logStreamNamePrefix?: string;
  startTime?: number;
  endTime?: number;
  filterPattern?: string;
  nextToken?: string;
  limit?: number;
  interleaved?: boolean;
}

export interface FilteredLogEvent { logStreamName: string; timestamp: number; message: string; ingestionTime: number; eventId: string }

/** An event's id as FilterLogEvents shows it: 56 digits (timestamp, then Pier's event id), like AWS's. */
export const eventIdOf = (e: StoredLogEvent): string => `${String(e.timestamp).padStart(20, '0')}${String(e.id).padStart(36, '0')}`;

function decodeFilterToken(groupId: number, token: string | undefined): Boundary | undefined {
  const key = decodeToken('FilterLogEvents', token);
  if (key === undefined) return undefined;
  const [g, ts, id] = key.split(':').map(Number);
  if (g !== groupId || !Number.isSafeInteger(ts) || !Number.isSafeInteger(id)) {
    throw new InvalidParameterException('The specified nextToken is invalid: it belongs to another log group or was not returned by FilterLogEvents.');
  }
  return { ts: ts!, id: id! };
}

/** The streams to search (ids) and every stream's name by id, read once so events and names agree. */
async function streamsOf(ctx: LogsContext, group: LogGroupRecord, input: FilterLogEventsInput): Promise<{ ids: number[]; names: Map<number, string> }> {
  const all = await ctx.store.listStreams(group.id, { orderBy: 'LogStreamName', descending: false, limit: Number.MAX_SAFE_INTEGER });
  const names = new Map(all.map((s) => [s.id, s.name]));
  if (input.logStreamNames) {
    const wanted = new Set(input.logStreamNames.map((n) => checkStreamName(n, 'logStreamNames')));
    return { ids: all.filter((s) => wanted.has(s.name)).map((s) => s.id), names };
  }
  if (input.logStreamNamePrefix !== undefined) {
    const prefix = checkStreamName(input.logStreamNamePrefix, 'logStreamNamePrefix');
    return { ids: all.filter((s) => s.name.startsWith(prefix)).map((s) => s.id), names };
  }
  return { ids: all.map((s) => s.id), names };
}

export async function filterLogEvents(
  ctx: LogsContext, input: FilterLogEventsInput,
): Promise<{ events: FilteredLogEvent[]; searchedLogStreams: never[]; nextToken?: string }> {
  const groupName = groupNameOf(ctx.scope, input);
  if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
    throw new InvalidParameterException('logStreamNames and logStreamNamePrefix are mutually exclusive: give one of them.');
  }
  const pattern = compileFilterPattern(input.filterPattern);
  const group = await ctx.store.getGroup(groupName);
  if (!group) throw groupNotFound();
  const after = decodeFilterToken(group.id, input.nextToken);
  const streams = await streamsOf(ctx, group, input);
  const page = await ctx.store.searchGroup(group.id, {
    streamIds: streams.ids,
    ...(input.startTime !== undefined ? { startTime: input.startTime } : {}),
    ...(input.endTime !== undefined ? { endTime: input.endTime } : {}),
    notBefore: retentionCutoff(group.retentionDays, ctx.clock.now()),
    ...(after ? { after } : {}),
    pattern,
    limit: input.limit ?? DEFAULT_EVENTS_LIMIT,
    maxBytes: MAX_RESPONSE_BYTES,
  });
  const events = page.events.map((e) => ({
    logStreamName: streams.names.get(e.streamId) ?? '', timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime, eventId: eventIdOf(e),
  }));
  const r = page.resumeAfter;
  return { events, searchedLogStreams: [], ...(r ? { nextToken: encodeToken('FilterLogEvents', `${group.id}:${r.ts}:${r.id}`)! } : {}) };
}
