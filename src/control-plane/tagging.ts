/** TagResource, UntagResource, ListTagsForResource for every ECS resource Pier has. */
import { clusterNameOf, parseArn, resourceType, taskDefinitionRefOf, taskIdOf } from '../ecs/arn.js';
import { InvalidParameterException } from '../ecs/errors.js';
import { validateTags } from '../ecs/task-definition/parse-overrides.js';
import type { Tag } from '../ecs/wire.js';
import type { Repos } from '../store/store.js';
import type { ControlPlane } from './context.js';

const notFound = (): InvalidParameterException => new InvalidParameterException('The specified resource could not be found.');

/** Checks that the ARN names a resource that exists; returns the ARN in its canonical form. */
async function existingResource(cp: ControlPlane, repos: Repos, resourceArn: string): Promise<string> {
  const arn = parseArn(resourceArn);
  if (!arn || arn.service !== 'ecs') throw new InvalidParameterException('The ARN provided is invalid.');
  if (arn.accountId !== cp.scope.accountId || arn.region !== cp.scope.region) throw notFound();
  switch (resourceType(arn)) {
    case 'cluster': {
      const c = await repos.clusters.get(clusterNameOf(resourceArn) ?? '');
      if (!c || c.status !== 'ACTIVE') throw notFound();
      return c.arn;
    }
    case 'task': {
      const t = taskIdOf(resourceArn);
      const rec = t?.cluster === undefined ? undefined : await repos.tasks.get(t.cluster, t.id);
      if (!rec) throw notFound();
      return rec.task.taskArn;
    }
    case 'task-definition': {
      const ref = taskDefinitionRefOf(resourceArn);
      const rec = ref?.revision === undefined ? undefined : await repos.taskDefinitions.get(ref.family, ref.revision);
      if (!rec) throw notFound();
      return rec.arn;
    }
    default:
      throw new InvalidParameterException(`Tagging is not supported for resource type '${resourceType(arn)}'.`);
  }
}

export async function tagResource(cp: ControlPlane, input: { resourceArn: string; tags: Tag[] }): Promise<Record<string, never>> {
  const tags = validateTags(input.tags);
  await cp.store.transaction(async (tx) => {
    const arn = await existingResource(cp, tx, input.resourceArn);
    const merged = new Map((await tx.tags.get(arn)).map((t) => [t.key, t.value]));
    for (const t of tags) merged.set(t.key, t.value);
    if (merged.size > 50) throw new InvalidParameterException('A resource can have at most 50 tags.');
    await tx.tags.put(arn, tags);
  });
  return {};
}

export async function untagResource(cp: ControlPlane, input: { resourceArn: string; tagKeys: string[] }): Promise<Record<string, never>> {
  await cp.store.transaction(async (tx) => {
    const arn = await existingResource(cp, tx, input.resourceArn);
    await tx.tags.remove(arn, input.tagKeys);
  });
  return {};
}

export async function listTagsForResource(cp: ControlPlane, input: { resourceArn: string }): Promise<{ tags: Tag[] }> {
  const arn = await existingResource(cp, cp.store.read, input.resourceArn);
  return { tags: await cp.store.read.tags.get(arn) };
}
