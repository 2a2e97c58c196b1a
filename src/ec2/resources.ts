/** EC2 resource ids, ARNs and the resource types tags name them by. */
import type { AccountScope } from '../ecs/arn.js';
import type { IdSource } from '../lib/ids.js';

export const ResourceKind = {
  vpc: { prefix: 'vpc', type: 'vpc' },
  subnet: { prefix: 'subnet', type: 'subnet' },
  securityGroup: { prefix: 'sg', type: 'security-group' },
  securityGroupRule: { prefix: 'sgr', type: 'security-group-rule' },
  networkInterface: { prefix: 'eni', type: 'network-interface' },
} as const;
export type ResourceKind = (typeof ResourceKind)[keyof typeof ResourceKind];

/** A new id in EC2's long form: `vpc-` and 17 hex digits. */
export function newId(ids: IdSource, kind: ResourceKind): string {
  return `${kind.prefix}-${ids.hex32().slice(-17)}`;
}

/** The kind an id names, by its prefix; undefined for anything else. */
export function kindOfId(id: string): ResourceKind | undefined {
  const dash = id.indexOf('-');
  if (dash < 0 || !/^[0-9a-f]{8,17}$/.test(id.slice(dash + 1))) return undefined;
  const prefix = id.slice(0, dash);
  return Object.values(ResourceKind).find((k) => k.prefix === prefix);
}

export function ec2Arn(scope: AccountScope, kind: ResourceKind, id: string): string {
  return `arn:${scope.partition}:ec2:${scope.region}:${scope.accountId}:${kind.type}/${id}`;
}
