/**
 * The ELBv2 subset Pier serves (Query protocol, plain `query` flavour, signing name
 * elasticloadbalancing): application load balancers, HTTP listeners and their rules, ip target
 * groups, targets and their health, tags (docs/load-balancing.md).
 */
import type { ControlPlane } from '../control-plane/context.js';
import * as listeners from '../elbv2/listeners.js';
import * as loadBalancers from '../elbv2/load-balancers.js';
import * as rules from '../elbv2/rules.js';
import * as tags from '../elbv2/tags.js';
import * as targetGroups from '../elbv2/target-groups.js';
import * as targets from '../elbv2/targets.js';
import type { ServiceModel } from './model/service-model.js';
import type { QueryOperation, QueryService } from './query-service.js';

export function elbv2Service(cp: ControlPlane, model: ServiceModel): QueryService {
  // Inputs were decoded and checked against the model (required members, ranges, patterns, enums) before these run.
  const op = <I>(fn: (cp: ControlPlane, input: I) => Promise<Record<string, unknown> | undefined>): QueryOperation =>
    (input) => fn(cp, input as I);
  const operations = new Map<string, QueryOperation>([
    ['CreateLoadBalancer', op(loadBalancers.createLoadBalancer)],
    ['DescribeLoadBalancers', op(loadBalancers.describeLoadBalancers)],
    ['DeleteLoadBalancer', op(loadBalancers.deleteLoadBalancer)],
    ['CreateTargetGroup', op(targetGroups.createTargetGroup)],
    ['DescribeTargetGroups', op(targetGroups.describeTargetGroups)],
    ['ModifyTargetGroup', op(targetGroups.modifyTargetGroup)],
    ['DeleteTargetGroup', op(targetGroups.deleteTargetGroup)],
    ['DescribeTargetGroupAttributes', op(targetGroups.describeTargetGroupAttributes)],
    ['ModifyTargetGroupAttributes', op(targetGroups.modifyTargetGroupAttributes)],
    ['CreateListener', op(listeners.createListener)],
    ['DescribeListeners', op(listeners.describeListeners)],
    ['ModifyListener', op(listeners.modifyListener)],
    ['DeleteListener', op(listeners.deleteListener)],
    ['CreateRule', op(rules.createRule)],
    ['DescribeRules', op(rules.describeRules)],
    ['ModifyRule', op(rules.modifyRule)],
    ['SetRulePriorities', op(rules.setRulePriorities)],
    ['DeleteRule', op(rules.deleteRule)],
    ['RegisterTargets', op(targets.registerTargets)],
    ['DeregisterTargets', op(targets.deregisterTargets)],
    ['DescribeTargetHealth', op(targets.describeTargetHealth)],
    ['AddTags', op(tags.addTags)],
    ['RemoveTags', op(tags.removeTags)],
    ['DescribeTags', op(tags.describeTags)],
  ]);
  for (const name of operations.keys()) {
    if (!model.hasOperation(name)) throw new Error(`the ELBv2 model has no operation ${name}`);
  }
  return { signingName: 'elasticloadbalancing', model, xmlNamespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/', operations };
}
