/** The IAM subset Pier serves (Query protocol, plain `query` flavour, signing name iam): roles, their policies, AWS managed policies. */
import type { ControlPlane } from '../control-plane/context.js';
import * as policies from '../iam/policies.js';
import * as rolePolicies from '../iam/role-policies.js';
import * as roles from '../iam/roles.js';
import type { ServiceModel } from './model/service-model.js';
import type { QueryOperation, QueryService } from './query-service.js';

export function iamService(cp: ControlPlane, model: ServiceModel): QueryService {
  // Inputs were decoded and checked against the model (required members, lengths, patterns, ranges) before these run.
  const op = <I>(fn: (cp: ControlPlane, input: I) => Promise<Record<string, unknown> | undefined>): QueryOperation =>
    (input) => fn(cp, input as I);
  const operations = new Map<string, QueryOperation>([
    ['CreateRole', op(roles.createRole)],
    ['GetRole', op(roles.getRole)],
    ['ListRoles', op(roles.listRoles)],
    ['UpdateAssumeRolePolicy', op(roles.updateAssumeRolePolicy)],
    ['DeleteRole', op(roles.deleteRole)],
    ['PutRolePolicy', op(rolePolicies.putRolePolicy)],
    ['GetRolePolicy', op(rolePolicies.getRolePolicy)],
    ['DeleteRolePolicy', op(rolePolicies.deleteRolePolicy)],
    ['ListRolePolicies', op(rolePolicies.listRolePolicies)],
    ['AttachRolePolicy', op(rolePolicies.attachRolePolicy)],
    ['DetachRolePolicy', op(rolePolicies.detachRolePolicy)],
    ['ListAttachedRolePolicies', op(rolePolicies.listAttachedRolePolicies)],
    ['GetPolicy', op(policies.getPolicy)],
    ['GetPolicyVersion', op(policies.getPolicyVersion)],
    ['ListPolicies', op(policies.listPolicies)],
  ]);
  for (const name of operations.keys()) {
    if (!model.hasOperation(name)) throw new Error(`the IAM model has no operation ${name}`);
  }
  return { signingName: 'iam', model, xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/', operations };
}
