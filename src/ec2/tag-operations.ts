/** CreateTags, DeleteTags, DescribeTags for the EC2 resources Pier has (VPCs, subnets, security groups, interfaces). */
import type { ControlPlane } from '../control-plane/context.js';
import type { Repos } from '../store/store.js';
import { Ec2Error, Ec2ErrorCode } from './errors.js';
import { compileFilters, type Filter } from './filters.js';
import { requireGroup, requireSubnet, requireVpc } from './lookups.js';
import { ResourceKind, kindOfId } from './resources.js';
import { MAX_TAGS_PER_RESOURCE, parseTags, type WireTag } from './tags.js';

async function requireResource(tx: Repos, id: string): Promise<void> {
  switch (kindOfId(id)) {
    case ResourceKind.vpc: await requireVpc(tx, id); return;
    case ResourceKind.subnet: await requireSubnet(tx, id); return;
    case ResourceKind.securityGroup: await requireGroup(tx, id); return;
    case ResourceKind.networkInterface:
      if (!(await tx.networkInterfaces.get(id))) {
        throw new Ec2Error(Ec2ErrorCode.InvalidNetworkInterfaceIdNotFound, `The networkInterface ID '${id}' does not exist`);
      }
      return;
    default:
      throw new Ec2Error(Ec2ErrorCode.InvalidId, `The ID '${id}' is not valid`);
  }
}

export async function createTags(cp: ControlPlane, input: { Resources: string[]; Tags: WireTag[] }): Promise<undefined> {
  const tags = parseTags(input.Tags);
  await cp.store.transaction(async (tx) => {
    for (const id of input.Resources) await requireResource(tx, id);
    const current = await tx.ec2Tags.getMany(input.Resources);
    for (const id of input.Resources) {
      const keys = new Set([...(current.get(id) ?? []).map((t) => t.key), ...tags.map((t) => t.key)]);
      if (keys.size > MAX_TAGS_PER_RESOURCE) {
        throw new Ec2Error(Ec2ErrorCode.TagLimitExceeded, `The maximum number of tags per resource is ${MAX_TAGS_PER_RESOURCE}: '${id}' would have ${keys.size}.`);
      }
      await tx.ec2Tags.put(id, tags);
    }
  });
  return undefined;
}

/** A tag with a Value is removed only when the value matches; without Tags every tag goes. */
export async function deleteTags(cp: ControlPlane, input: { Resources: string[]; Tags?: WireTag[] }): Promise<undefined> {
  await cp.store.transaction(async (tx) => {
    for (const id of input.Resources) await requireResource(tx, id);
    for (const id of input.Resources) {
      if (input.Tags === undefined) await tx.ec2Tags.removeAll(id);
      else await tx.ec2Tags.remove(id, input.Tags.map((t) => ({ key: t.Key ?? '', ...(t.Value !== undefined ? { value: t.Value } : {}) })));
    }
  });
  return undefined;
}

interface TagRow { resourceId: string; key: string; value: string; type: string }

export async function describeTags(cp: ControlPlane, input: { Filters?: Filter[] }): Promise<Record<string, unknown>> {
  const match = compileFilters<TagRow>(input.Filters, {
    'resource-id': (t) => t.resourceId,
    'resource-type': (t) => t.type,
    'key': (t) => t.key,
    'value': (t) => t.value,
  });
  const rows = (await cp.store.read.ec2Tags.list()).map((t) => ({ ...t, type: kindOfId(t.resourceId)?.type ?? 'unknown' }));
  return {
    Tags: rows.filter((t) => match(t, [{ key: t.key, value: t.value }]))
      .map((t) => ({ Key: t.key, ResourceId: t.resourceId, ResourceType: t.type, Value: t.value })),
  };
}
