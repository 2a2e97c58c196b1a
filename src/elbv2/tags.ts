/** AddTags, RemoveTags, DescribeTags. */
import { validationError } from '../api/query/errors.js';
import type { ControlPlane } from '../control-plane/context.js';
import type { Repos } from '../store/store.js';
import { requireListener, requireLoadBalancer, requireRule, requireTargetGroup, type Wire } from './resources.js';
import { parseTags, putTags, type WireTag } from './tag-list.js';

const MAX_DESCRIBE_ARNS = 20;

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
