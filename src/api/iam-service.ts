/**
 * The IAM subset Pier serves (Query protocol, plain `query` flavour, signing name iam): roles,
 * users and their access keys, their policies, AWS managed policies. After a call that changes
 * any of them succeeds, `changed` runs before the answer is sent (the edge's key and policy caches).
 */
import type { ControlPlane } from '../control-plane/context.js';
import * as policies from '../iam/policies.js';
import * as rolePolicies from '../iam/role-policies.js';
import * as roles from '../iam/roles.js';
import * as users from '../iam/users.js';
import * as userPolicies from '../iam/users-policies.js';
import * as accessKeys from '../iam/access-keys.js';
import type { Principal } from '../iam/principal.js';
import type { ServiceModel } from './model/service-model.js';
import type { QueryOperation, QueryService } from './query-service.js';

export function iamService(cp: ControlPlane, model: ServiceModel, changed: () => Promise<void> = async () => {}): QueryService {
  // Inputs were decoded and checked against the model (required members, lengths, patterns, ranges) before these run.
  const op = <I>(fn: (cp: ControlPlane, input: I) => Promise<Record<string, unknown> | undefined>): QueryOperation =>
    (input) => fn(cp, input as I);
  const asCaller = <I>(fn: (cp: ControlPlane, input: I, caller: Principal) => Promise<Record<string, unknown> | undefined>): QueryOperation =>
    (input, ctx) => fn(cp, input as I, ctx.principal);
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
    ['CreateUser', op(users.createUser)],
    ['GetUser', asCaller(users.getUser)],
    ['ListUsers', op(users.listUsers)],
    ['DeleteUser', op(users.deleteUser)],
    ['PutUserPolicy', op(userPolicies.putUserPolicy)],
    ['GetUserPolicy', op(userPolicies.getUserPolicy)],
    ['DeleteUserPolicy', op(userPolicies.deleteUserPolicy)],
    ['ListUserPolicies', op(userPolicies.listUserPolicies)],
    ['AttachUserPolicy', op(userPolicies.attachUserPolicy)],
    ['DetachUserPolicy', op(userPolicies.detachUserPolicy)],
    ['ListAttachedUserPolicies', op(userPolicies.listAttachedUserPolicies)],
    ['CreateAccessKey', asCaller(accessKeys.createAccessKey)],
    ['ListAccessKeys', asCaller(accessKeys.listAccessKeys)],
    ['UpdateAccessKey', asCaller(accessKeys.updateAccessKey)],
    ['DeleteAccessKey', asCaller(accessKeys.deleteAccessKey)],
  ]);
  for (const [name, run] of operations) {
    if (/^(Get|List)/.test(name)) continue;
    operations.set(name, async (input, ctx) => {
      const out = await run(input, ctx);
      await changed();
      return out;
    });
  }
  for (const name of operations.keys()) {
    if (!model.hasOperation(name)) throw new Error(`the IAM model has no operation ${name}`);
  }
  return { signingName: 'iam', model, xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/', operations };
}
