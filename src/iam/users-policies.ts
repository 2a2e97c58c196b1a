/**
 * A user's policies: inline ones (PutUserPolicy, GetUserPolicy, DeleteUserPolicy,
 * ListUserPolicies), checked as identity policies and held to IAM's per-user size quota, and the
 * AWS managed policies of Pier's catalogue attached to it (AttachUserPolicy, DetachUserPolicy,
 * ListAttachedUserPolicies).
 */
import type { ControlPlane } from '../control-plane/context.js';
import { parseArn } from '../ecs/arn.js';
import { InvalidInputException, LimitExceededException, NoSuchEntityException } from './errors.js';
import { pageOf } from './paging.js';
import { PolicyKind, parsePolicyDocument, policySize, urlEncodeDocument } from './policy-document.js';
import { attachedPoliciesPage, requireManagedPolicy } from './role-policies.js';
import { requireUser } from './users.js';

type Wire = Record<string, unknown>;
interface UserPolicyInput { UserName: string; PolicyName: string }
interface PageInput { Marker?: string; MaxItems?: number }

/** IAM's quota for the inline policies of one user together (white space not counted). */
export const USER_INLINE_POLICIES_QUOTA = 2048;
/** IAM's default quota of managed policies attached to one user. */
export const USER_ATTACHED_POLICIES_QUOTA = 10;

export async function putUserPolicy(cp: ControlPlane, input: UserPolicyInput & { PolicyDocument: string }): Promise<undefined> {
  parsePolicyDocument(input.PolicyDocument, PolicyKind.identity);
  await cp.store.transaction(async (tx) => {
    const user = await requireUser(tx, input.UserName);
    const others = (await tx.userPolicies.listInline(user.userId)).filter((p) => p.name !== input.PolicyName);
    const size = others.reduce((n, p) => n + policySize(p.document), policySize(input.PolicyDocument));
    if (size > USER_INLINE_POLICIES_QUOTA) {
      throw new LimitExceededException(`Maximum policy size of ${USER_INLINE_POLICIES_QUOTA} bytes exceeded for user ${user.name}`);
    }
    await tx.userPolicies.putInline(user.userId, input.PolicyName, input.PolicyDocument);
  });
  return undefined;
}

const noSuchUserPolicy = (name: string): NoSuchEntityException => new NoSuchEntityException(`The user policy with name ${name} cannot be found.`);

export async function getUserPolicy(cp: ControlPlane, input: UserPolicyInput): Promise<Wire> {
  const user = await requireUser(cp.store.read, input.UserName);
  const document = await cp.store.read.userPolicies.getInline(user.userId, input.PolicyName);
  if (document === undefined) throw noSuchUserPolicy(input.PolicyName);
  return { UserName: user.name, PolicyName: input.PolicyName, PolicyDocument: urlEncodeDocument(document) };
}

export async function deleteUserPolicy(cp: ControlPlane, input: UserPolicyInput): Promise<undefined> {
  await cp.store.transaction(async (tx) => {
    const user = await requireUser(tx, input.UserName);
    if (!(await tx.userPolicies.removeInline(user.userId, input.PolicyName))) throw noSuchUserPolicy(input.PolicyName);
  });
  return undefined;
}

export async function listUserPolicies(cp: ControlPlane, input: { UserName: string } & PageInput): Promise<Wire> {
  const user = await requireUser(cp.store.read, input.UserName);
  const names = (await cp.store.read.userPolicies.listInline(user.userId)).map((p) => p.name);
  const { items, ...page } = pageOf('ListUserPolicies', names, (n) => n, input);
  return { PolicyNames: items, ...page };
}

export async function attachUserPolicy(cp: ControlPlane, input: { UserName: string; PolicyArn: string }): Promise<undefined> {
  await cp.store.transaction(async (tx) => {
    const user = await requireUser(tx, input.UserName);
    requireManagedPolicy(cp, input.PolicyArn);
    const attached = await tx.userPolicies.listAttached(user.userId);
    if (attached.includes(input.PolicyArn)) return;
    if (attached.length >= USER_ATTACHED_POLICIES_QUOTA) {
      throw new LimitExceededException(`Cannot exceed quota for PoliciesPerUser: ${USER_ATTACHED_POLICIES_QUOTA}`);
    }
    await tx.userPolicies.attach(user.userId, input.PolicyArn);
  });
  return undefined;
}

export async function detachUserPolicy(cp: ControlPlane, input: { UserName: string; PolicyArn: string }): Promise<undefined> {
  await cp.store.transaction(async (tx) => {
    const user = await requireUser(tx, input.UserName);
    if (!parseArn(input.PolicyArn)) throw new InvalidInputException(`ARN ${input.PolicyArn} is not valid.`);
    if (!(await tx.userPolicies.detach(user.userId, input.PolicyArn))) throw new NoSuchEntityException(`Policy ${input.PolicyArn} was not found.`);
  });
  return undefined;
}

export async function listAttachedUserPolicies(cp: ControlPlane, input: { UserName: string; PathPrefix?: string } & PageInput): Promise<Wire> {
  const user = await requireUser(cp.store.read, input.UserName);
  return attachedPoliciesPage(cp, 'ListAttachedUserPolicies', await cp.store.read.userPolicies.listAttached(user.userId), input);
}
