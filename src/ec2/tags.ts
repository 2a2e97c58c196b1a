/** Tags on EC2 resources: TagSpecifications on create, EC2's limits, and the wire form. */
import type { Tag } from '../ecs/wire.js';
import { Ec2Error, Ec2ErrorCode, invalidValue } from './errors.js';

export interface WireTag { Key?: string; Value?: string }
export interface TagSpecification { ResourceType?: string; Tags?: WireTag[] }

export const MAX_TAGS_PER_RESOURCE = 50;

/** Checks wire tags against EC2's rules and converts them. */
export function parseTags(tags: readonly WireTag[] | undefined): Tag[] {
  const out = new Map<string, Tag>();
  for (const t of tags ?? []) {
    const key = t.Key;
    if (key === undefined || key === '') throw invalidValue('', 'tag:key', 'Tag keys must not be empty.');
    if (key.length > 128) throw invalidValue(key, 'tag:key', 'Tag keys are at most 128 characters.');
    if (key.toLowerCase().startsWith('aws:')) throw invalidValue(key, 'tag:key', "Tag keys starting with 'aws:' are reserved for internal use.");
    const value = t.Value ?? '';
    if (value.length > 256) throw invalidValue(value, 'tag:value', 'Tag values are at most 256 characters.');
    out.set(key, { key, value });
  }
  return [...out.values()];
}

/** The tags of the TagSpecifications for one resource type; another resource type is refused. */
export function parseTagSpecifications(specs: readonly TagSpecification[] | undefined, resourceType: string): Tag[] {
  const tags: Tag[] = [];
  for (const spec of specs ?? []) {
    if (spec.ResourceType !== resourceType) {
      throw new Ec2Error(Ec2ErrorCode.InvalidParameterValue,
        `'${spec.ResourceType ?? ''}' is not a valid taggable resource type for this operation; use '${resourceType}'.`);
    }
    tags.push(...parseTags(spec.Tags));
  }
  const unique = [...new Map(tags.map((t) => [t.key, t])).values()];
  if (unique.length > MAX_TAGS_PER_RESOURCE) {
    throw new Ec2Error(Ec2ErrorCode.TagLimitExceeded, `The maximum number of tags per resource is ${MAX_TAGS_PER_RESOURCE}.`);
  }
  return unique;
}

/** EC2 leaves `tagSet` out when a resource has no tags. */
export function tagsToWire(tags: readonly Tag[] | undefined): { Tags?: { Key: string; Value: string }[] } {
  return tags && tags.length > 0 ? { Tags: tags.map((t) => ({ Key: t.key, Value: t.value })) } : {};
}
