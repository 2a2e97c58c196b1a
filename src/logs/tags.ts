/**
 * Log group tags: TagLogGroup / UntagLogGroup / ListTagsLogGroup (the old per-group calls) and
 * TagResource / UntagResource / ListTagsForResource (by the group's ARN, without `:*`). At most 50
 * tags a group; keys and values use the model's character classes; `aws:` keys are AWS's own.
 */
import type { LogsContext } from './context.js';
import { InvalidParameterException, TooManyTagsException, groupNotFound } from './errors.js';
import type { LogGroupRecord } from './log-store.js';
import { checkGroupName, groupNameFromArn } from './names.js';

export const MAX_TAGS = 50;
const KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const invalidTag = (what: string, text: string, pattern: string): InvalidParameterException =>
  new InvalidParameterException(`1 validation error detected: Value '${text}' at 'tags' failed to satisfy constraint: ${what} must satisfy regular expression pattern: ${pattern}`);

export function checkTagKeys(keys: readonly string[]): void {
  for (const k of keys) {
    if (!KEY.test(k)) throw invalidTag('Map keys', k, '^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$');
    if (k.toLowerCase().startsWith('aws:')) throw new InvalidParameterException(`Tag keys starting with 'aws:' are reserved for AWS use: '${k}'.`);
  }
}

export function checkTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  checkTagKeys(Object.keys(tags));
  for (const v of Object.values(tags)) if (!VALUE.test(v)) throw invalidTag('Map values', v, '^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$');
  return { ...tags };
}

async function change(
  ctx: LogsContext, name: string, add: Readonly<Record<string, string>> | undefined, remove: readonly string[] | undefined, tooMany: () => Error,
): Promise<LogGroupRecord> {
  const updated = await ctx.store.updateGroup(name, { ...(add ? { addTags: add } : {}), ...(remove ? { removeTagKeys: remove } : {}), maxTags: MAX_TAGS });
  if (updated === undefined) throw groupNotFound();
  if (updated === 'too-many-tags') throw tooMany();
  return updated;
}

const tooManyForGroup = (): InvalidParameterException => new InvalidParameterException(`A log group can have at most ${MAX_TAGS} tags.`);
const tooManyForResource = (): TooManyTagsException => new TooManyTagsException(`A resource can have at most ${MAX_TAGS} tags.`);

export async function tagLogGroup(ctx: LogsContext, input: { logGroupName: string; tags: Record<string, string> }): Promise<Record<string, never>> {
  await change(ctx, checkGroupName(input.logGroupName), checkTags(input.tags), undefined, tooManyForGroup);
  return {};
}

export async function untagLogGroup(ctx: LogsContext, input: { logGroupName: string; tags: string[] }): Promise<Record<string, never>> {
  await change(ctx, checkGroupName(input.logGroupName), undefined, input.tags, tooManyForGroup);
  return {};
}

export async function listTagsLogGroup(ctx: LogsContext, input: { logGroupName: string }): Promise<{ tags: Record<string, string> }> {
  const group = await ctx.store.getGroup(checkGroupName(input.logGroupName));
  if (!group) throw groupNotFound();
  return { tags: { ...group.tags } };
}

export async function tagResource(ctx: LogsContext, input: { resourceArn: string; tags: Record<string, string> }): Promise<Record<string, never>> {
  await change(ctx, groupNameFromArn(ctx.scope, input.resourceArn, 'resourceArn'), checkTags(input.tags), undefined, tooManyForResource);
  return {};
}

export async function untagResource(ctx: LogsContext, input: { resourceArn: string; tagKeys: string[] }): Promise<Record<string, never>> {
  await change(ctx, groupNameFromArn(ctx.scope, input.resourceArn, 'resourceArn'), undefined, input.tagKeys, tooManyForResource);
  return {};
}

export async function listTagsForResource(ctx: LogsContext, input: { resourceArn: string }): Promise<{ tags: Record<string, string> }> {
  const group = await ctx.store.getGroup(groupNameFromArn(ctx.scope, input.resourceArn, 'resourceArn'));
  if (!group) throw groupNotFound();
  return { tags: { ...group.tags } };
}
