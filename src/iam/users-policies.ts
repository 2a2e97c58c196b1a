/**
 * A user's policies: inline ones (PutUserPolicy, GetUserPolicy, DeleteUserPolicy,
 * ListUserPolicies), held to IAM's per-user size quota, and the AWS managed policies of Pier's
 * catalogue attached to it (AttachUserPolicy, DetachUserPolicy, ListAttachedUserPolicies).
 */
import { holderPolicyOperations } from './holder-policies.js';
import { requireUser } from './users.js';

/** IAM's quota for the inline policies of one user together (white space not counted). */
export const USER_INLINE_POLICIES_QUOTA = 2048;
/** IAM's default quota of managed policies attached to one user. */
export const USER_ATTACHED_POLICIES_QUOTA = 10;

const ops = holderPolicyOperations({
  nameMember: 'UserName', noun: 'user', opNoun: 'User', inlineQuota: USER_INLINE_POLICIES_QUOTA, attachedQuota: USER_ATTACHED_POLICIES_QUOTA,
  find: async (repos, name) => {
    const user = await requireUser(repos, name);
    return { id: user.userId, name: user.name };
  },
  policies: (repos) => repos.userPolicies,
});

export const putUserPolicy = ops.put;
export const getUserPolicy = ops.get;
export const deleteUserPolicy = ops.delete;
export const listUserPolicies = ops.list;
export const attachUserPolicy = ops.attach;
export const detachUserPolicy = ops.detach;
export const listAttachedUserPolicies = ops.listAttached;
