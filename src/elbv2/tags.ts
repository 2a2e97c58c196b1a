/** AddTags, RemoveTags, DescribeTags, and the tags CreateX calls take (ELBv2: up to 50 per resource). */
import { validationError } from '../api/query/errors.js';
import type { ControlPlane } from '../control-plane/context.js';
import type { Repos } from '../store/store.js';
import { DuplicateTagKeysException, TooManyTagsException } from './errors.js';
import { requireListener, requireLoadBalancer, requireRule, requireTargetGroup, type Wire } from './resources.js';

export interface WireTag { Key: string; Value?: string }

const MAX_TAGS = 50;
const MAX_DESCRIBE_ARNS = 20;

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

/** Answers the resource's NotFound error unless a load balancer, target group, listener or rule has this ARN. */
async function requireResource(repos: Repos, arn: string): Promise<void> {
  const kind = /^arn:[^:]+:elasticloadbalancing:[^:]*:\d*:([a-z-]+)\//.exec(arn)?.[1];
  if (kind === 'loadbalancer') await requireLoadBalancer(repos, arn);
  else if (kind === 'targetgroup') await requireTargetGroup(repos, arn);
  else if (kind === 'listener') await requireListener(repos, arn);
  else if (kind === 'listener-rule') await requireRule(repos, arn);
  else throw validationError(`'${arn}' is not a valid load balancer, target group, listener or rule ARN`);
}

export async function addTags(cp: ControlPlane, input: { ResourceArns: string[]; Tags: WireTag[] }): Promise<Wire> {
  const tags = parseTags(input.Tags);
  await cp.store.transaction(async (tx) => {
    for (const arn of input.ResourceArns) await requireResource(tx, arn);
    for (const arn of input.ResourceArns) await putTags(tx, arn, tags);
  });
  return {};
}

export async function removeTags(cp: ControlPlane, input: { ResourceArns: string[]; TagKeys: string[] }): Promise<Wire> {
  await cp.store.transaction(async (tx) => {
    for (const arn of input.ResourceArns) await requireResource(tx, arn);
    for (const arn of input.ResourceArns) await tx.elbv2.removeTags(arn, input.TagKeys);
  });
  return {};
}

export async function describeTags(cp: ControlPlane, input: { ResourceArns: string[] }): Promise<Wire> {
  if (input.ResourceArns.length > MAX_DESCRIBE_ARNS) throw validationError(`At most ${MAX_DESCRIBE_ARNS} resource ARNs can be described at once`);
  const repos = cp.store.read;
  for (const arn of input.ResourceArns) await requireResource(repos, arn);
  const tags = await repos.elbv2.tags(input.ResourceArns);
  return {
    TagDescriptions: input.ResourceArns.map((arn) => ({ ResourceArn: arn, Tags: (tags.get(arn) ?? []).map((t) => ({ Key: t.key, Value: t.value })) })),
  };
}
