/**
 * A role's policies: inline ones (PutRolePolicy, GetRolePolicy, DeleteRolePolicy,
 * ListRolePolicies), held to IAM's per-role size quota, and the AWS managed policies of Pier's
 * catalogue attached to it (AttachRolePolicy, DetachRolePolicy, ListAttachedRolePolicies).
 */
import { holderPolicyOperations } from './holder-policies.js';
import { requireRole } from './roles.js';

/** IAM's quota for the inline policies of one role together (white space not counted). */
export const INLINE_POLICIES_QUOTA = 10240;
/** IAM's default quota of managed policies attached to one role. */
export const ATTACHED_POLICIES_QUOTA = 10;

const ops = holderPolicyOperations({
  nameMember: 'RoleName', noun: 'role', opNoun: 'Role', inlineQuota: INLINE_POLICIES_QUOTA, attachedQuota: ATTACHED_POLICIES_QUOTA,
  find: async (repos, name) => {
    const role = await requireRole(repos, name);
    return { id: role.roleId, name: role.name };
  },
  policies: (repos) => repos.rolePolicies,
});

export const putRolePolicy = ops.put;
export const getRolePolicy = ops.get;
export const deleteRolePolicy = ops.delete;
export const listRolePolicies = ops.list;
export const attachRolePolicy = ops.attach;
export const detachRolePolicy = ops.detach;
export const listAttachedRolePolicies = ops.listAttached;
