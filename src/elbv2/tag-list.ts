/** The tags of a request (CreateX, AddTags) and adding them within ELBv2's quota of 50 per resource. */
import { validationError } from '../api/query/errors.js';
import type { Repos } from '../store/store.js';
import { DuplicateTagKeysException, TooManyTagsException } from './errors.js';

export interface WireTag { Key: string; Value?: string }

const MAX_TAGS = 50;

/** Tags of one request: no key twice, none of AWS's `aws:` keys. */
export function parseTags(tags: readonly WireTag[] | undefined): { key: string; value: string }[] {
  const seen = new Set<string>();
  return (tags ?? []).map((t) => {
    if (seen.has(t.Key)) throw new DuplicateTagKeysException(`Tag key '${t.Key}' is specified more than once`);
    seen.add(t.Key);
    if (t.Key.toLowerCase().startsWith('aws:')) throw validationError(`Tag key '${t.Key}' cannot start with 'aws:'`);
    return { key: t.Key, value: t.Value ?? '' };
  });
}

/** Adds tags to a resource in a transaction, within the per-resource quota. */
export async function putTags(tx: Repos, arn: string, tags: readonly { key: string; value: string }[]): Promise<void> {
  if (tags.length === 0) return;
  const current = (await tx.elbv2.tags([arn])).get(arn) ?? [];
  const keys = new Set([...current.map((t) => t.key), ...tags.map((t) => t.key)]);
  if (keys.size > MAX_TAGS) throw new TooManyTagsException(`The quota of ${MAX_TAGS} tags per resource has been reached for '${arn}'`);
  await tx.elbv2.putTags(arn, tags);
}
