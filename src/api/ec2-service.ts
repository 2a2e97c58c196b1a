/** The EC2 subset Pier serves (Query protocol, `ec2` flavour, signing name ec2): VPCs, subnets, security groups, interfaces, tags, zones. */
import type { ControlPlane } from '../control-plane/context.js';
import * as zones from '../ec2/availability-zones.js';
import * as groups from '../ec2/security-groups.js';
import * as interfaces from '../ec2/network-interfaces.js';
import * as rules from '../ec2/security-group-rules.js';
import * as subnets from '../ec2/subnets.js';
import * as tags from '../ec2/tag-operations.js';
import * as vpcs from '../ec2/vpcs.js';
import type { ServiceModel } from './model/service-model.js';
import type { QueryOperation, QueryService } from './query-service.js';

export function ec2Service(cp: ControlPlane, model: ServiceModel): QueryService {
  // Inputs were decoded and checked against the model (required members, types, enums) before these run.
  const op = <I>(fn: (cp: ControlPlane, input: I) => Promise<Record<string, unknown> | undefined>): QueryOperation =>
    (input) => fn(cp, input as I);
  const operations = new Map<string, QueryOperation>([
    ['CreateVpc', op(vpcs.createVpc)],
    ['DescribeVpcs', op(vpcs.describeVpcs)],
    ['DeleteVpc', op(vpcs.deleteVpc)],
    ['CreateSubnet', op(subnets.createSubnet)],
    ['DescribeSubnets', op(subnets.describeSubnets)],
    ['DeleteSubnet', op(subnets.deleteSubnet)],
    ['CreateSecurityGroup', op(groups.createSecurityGroup)],
    ['DescribeSecurityGroups', op(groups.describeSecurityGroups)],
    ['DeleteSecurityGroup', op(groups.deleteSecurityGroup)],
    ['AuthorizeSecurityGroupIngress', op((c, i: rules.RuleChangeInput) => rules.authorize(c, i, false))],
    ['AuthorizeSecurityGroupEgress', op((c, i: rules.RuleChangeInput) => rules.authorize(c, i, true))],
    ['RevokeSecurityGroupIngress', op((c, i: rules.RuleChangeInput) => rules.revoke(c, i, false))],
    ['RevokeSecurityGroupEgress', op((c, i: rules.RuleChangeInput) => rules.revoke(c, i, true))],
    ['DescribeNetworkInterfaces', op(interfaces.describeNetworkInterfaces)],
    ['CreateTags', op(tags.createTags)],
    ['DeleteTags', op(tags.deleteTags)],
    ['DescribeTags', op(tags.describeTags)],
    ['DescribeAvailabilityZones', op(zones.describeAvailabilityZones)],
  ]);
  for (const name of operations.keys()) {
    if (!model.hasOperation(name)) throw new Error(`the EC2 model has no operation ${name}`);
  }
  return { signingName: 'ec2', model, xmlNamespace: 'http://ec2.amazonaws.com/doc/2016-11-15/', operations };
}
