/**
 * The control plane's side of the awslogs log driver: append a container's lines to its task's
 * stream with ECS's semantics, whatever shape the batch has.
 *
 * - The stream (`prefix/container-name/task-id`, named by the caller) is created if missing.
 * - The group is created only when the task definition says `awslogs-create-group: true`; a missing
 *   group otherwise is ResourceNotFoundException ("The specified log group does not exist."), which
 *   the agent reports the way ECS does (the task fails to start with a ResourceInitializationError
 *   naming it).
 * - Unlike PutLogEvents, the events need not be sorted or fit one API batch: they are sorted by
 *   timestamp (lines with one timestamp keep their order) and appended in batches within AWS's
 *   limits. Events AWS would refuse (older than 14 days or the group's retention, more than 2 hours
 *   ahead) are counted in `rejected`, not stored.
 */
import { MAX_EVENT_AGE_MS, MAX_EVENT_AHEAD_MS, planBatch, splitIntoBatches, type InputLogEvent } from './batch-rules.js';
import { retentionCutoff, type LogsContext } from './context.js';
import { groupNotFound, streamNotFound } from './errors.js';
import { pick, startOf, validUtf8, type EventBatch } from './event-batch.js';
import type { LogGroupRecord, LogStreamRecord } from './log-store.js';
import { checkGroupName, checkStreamName } from './names.js';

export interface TaskLogBatch {
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** The container's `awslogs-create-group` option. */
  readonly createGroup: boolean;
  readonly events: readonly InputLogEvent[];
}

export interface TaskLogAppendResult {
  readonly accepted: number;
  readonly rejected: number;
  /** The stream after the append (its lastIngestionTime, storedBytes, …). */
  readonly stream: LogStreamRecord;
}

async function ensureTarget(ctx: LogsContext, batch: TaskLogBatch): Promise<{ group: LogGroupRecord; stream: LogStreamRecord }> {
  const groupName = checkGroupName(batch.logGroupName);
  const streamName = checkStreamName(batch.logStreamName);
  let found = await ctx.store.getStream(groupName, streamName);
  if (!found) {
    if (!batch.createGroup) throw groupNotFound();
    // Another container of the task may be creating it at the same moment: either wins.
    await ctx.store.createGroup({ name: groupName, createdAt: ctx.clock.now(), logGroupClass: 'STANDARD', tags: {} });
    found = await ctx.store.getStream(groupName, streamName);
    if (!found) throw groupNotFound();
  }
  if (found.stream) return { group: found.group, stream: found.stream };
  const created = await ctx.store.createStream(groupName, streamName, ctx.clock.now());
  if (created === 'no-group') throw groupNotFound();
  if (created !== 'exists') return { group: found.group, stream: created };
  const again = await ctx.store.getStream(groupName, streamName);
  if (!again?.stream) throw streamNotFound();
  return { group: again.group, stream: again.stream };
}

export async function appendTaskLogEvents(ctx: LogsContext, batch: TaskLogBatch): Promise<TaskLogAppendResult> {
  const target = await ensureTarget(ctx, batch);
  let stream = target.stream;
  let accepted = 0;
  let rejected = 0;
  for (const events of splitIntoBatches(batch.events)) {
    const now = ctx.clock.now();
    const plan = planBatch(events, now, target.group.retentionDays);
    rejected += events.length - (plan.end - plan.start);
    if (plan.end === plan.start) continue;
    const appended = await ctx.store.appendEvents(stream.id, events.slice(plan.start, plan.end), now);
    if (!appended) throw streamNotFound();
    stream = appended;
    accepted += plan.end - plan.start;
  }
  return { accepted, rejected, stream };
}

export interface TaskSourceBatch {
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly createGroup: boolean;
  /** Which output of the container the events were read from ('stdout', 'stderr'). */
  readonly source: string;
  /** The events' byte range in the source ends here. */
  readonly toOffset: number;
  /** With their offsets, ascending. */
  readonly events: EventBatch;
}

/**
 * The awslogs driver's exactly-once path: like appendTaskLogEvents, but each event carries its byte
 * offset in the container's output and the stream keeps how far each source is ingested, so a batch
 * sent again after an agent crash stores nothing twice. Events CloudWatch would refuse as too old
 * or too new are skipped (the watermark still passes them). No events: creates the stream (and the
 * group when allowed) and answers the watermark.
 */
export async function appendTaskSourceEvents(ctx: LogsContext, batch: TaskSourceBatch): Promise<{ watermark: number; appended: number }> {
  const target = await ensureTarget(ctx, { ...batch, events: [] });
  const now = ctx.clock.now();
  const oldest = Math.max(now - MAX_EVENT_AGE_MS, retentionCutoff(target.group.retentionDays, now));
  const newest = now + MAX_EVENT_AHEAD_MS;
  const { timestamps, ends } = batch.events;
  const ok = (i: number): boolean => timestamps[i]! >= oldest && timestamps[i]! <= newest && ends[i]! > startOf(batch.events, i);
  let all = true;
  for (let i = 0; i < timestamps.length && all; i++) all = ok(i);
  const kept = validUtf8(all ? batch.events : pick(batch.events, timestamps.map((_, i) => i).filter(ok)));
  const result = await ctx.store.appendFromSource(target.stream.id, batch.source, kept, batch.toOffset, now);
  if (!result) throw streamNotFound();
  return result;
}
