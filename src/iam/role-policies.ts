/**
 * A role's policies: inline ones (PutRolePolicy, GetRolePolicy, DeleteRolePolicy,
 * ListRolePolicies), checked as identity policies and held to IAM's per-role size quota, and the
 * AWS managed policies of Pier's catalogue attached to it (AttachRolePolicy, DetachRolePolicy,
 * ListAttachedRolePolicies).
 */
import type { ControlPlane } from '../control-plane/context.js';
import { parseArn } from '../ecs/arn.js';
import { InvalidInputException, LimitExceededException, NoSuchEntityException } from './errors.js';
import { findManagedPolicy, type ManagedPolicy } from './managed-policies.js';
import { pageOf } from './paging.js';
import { PolicyKind, parsePolicyDocument, policySize, urlEncodeDocument } from './policy-document.js';
import { requireRole } from './roles.js';

type Wire = Record<string, unknown>;
interface RolePolicyInput { RoleName: string; PolicyName: string }
interface PageInput { Marker?: string; MaxItems?: number }

/** IAM's quota for the inline policies of one role together (white space not counted). */
export const INLINE_POLICIES_QUOTA = 10240;
/** IAM's default quota of managed policies attached to one role. */
export const ATTACHED_POLICIES_QUOTA = 10;

export async function putRolePolicy(cp: ControlPlane, input: RolePolicyInput & { PolicyDocument: string }): Promise<undefined> {
  parsePolicyDocument(input.PolicyDocument, PolicyKind.identity);
  await cp.store.transaction(async (tx) => {
    const role = await requireRole(tx, input.RoleName);
    const others = (await tx.rolePolicies.listInline(role.roleId)).filter((p) => p.name !== input.PolicyName);
    const size = others.reduce((n, p) => n + policySize(p.document), policySize(input.PolicyDocument));
    if (size > INLINE_POLICIES_QUOTA) {
      throw new LimitExceededException(`Maximum policy size of ${INLINE_POLICIES_QUOTA} bytes exceeded for role ${role.name}`);
    }
    await tx.rolePolicies.putInline(role.roleId, input.PolicyName, input.PolicyDocument);
  });
  return undefined;
}

const noSuchRolePolicy = (name: string): NoSuchEntityException => new NoSuchEntityException(`The role policy with name ${name} cannot be found.`);

export async function getRolePolicy(cp: ControlPlane, input: RolePolicyInput): Promise<Wire> {
  const role = await requireRole(cp.store.read, input.RoleName);
  const document = await cp.store.read.rolePolicies.getInline(role.roleId, input.PolicyName);
  if (document === undefined) throw noSuchRolePolicy(input.PolicyName);
  return { RoleName: role.name, PolicyName: input.PolicyName, PolicyDocument: urlEncodeDocument(document) };
}

export async function deleteRolePolicy(cp: ControlPlane, input: RolePolicyInput): Promise<undefined> {
  await cp.store.transaction(async (tx) => {
    const role = await requireRole(tx, input.RoleName);
    if (!(await tx.rolePolicies.removeInline(role.roleId, input.PolicyName))) throw noSuchRolePolicy(input.PolicyName);
  });
  return undefined;
}

export async function listRolePolicies(cp: ControlPlane, input: { RoleName: string } & PageInput): Promise<Wire> {
  const role = await requireRole(cp.store.read, input.RoleName);
  const names = (await cp.store.read.rolePolicies.listInline(role.roleId)).map((p) => p.name);
  const { items, ...page } = pageOf('ListRolePolicies', names, (n) => n, input);
  return { PolicyNames: items, ...page };
}

/** The catalogue policy an ARN names: InvalidInput for what is not a policy ARN, NoSuchEntity for one Pier does not have. */
export function requireManagedPolicy(cp: ControlPlane, arn: string): ManagedPolicy {
  const parsed = parseArn(arn);
  if (!parsed || parsed.service !== 'iam' || !parsed.resource.startsWith('policy/')) throw new InvalidInputException(`ARN ${arn} is not valid.`);
  const policy = findManagedPolicy(cp.scope.partition, arn);
  if (!policy) throw new NoSuchEntityException(`Policy ${arn} does not exist or is not attachable.`);
  return policy;
}

export async function attachRolePolicy(cp: ControlPlane, input: { RoleName: string; PolicyArn: string }): Promise<undefined> {
  await cp.store.transaction(async (tx) => {
    const role = await requireRole(tx, input.RoleName);
    requireManagedPolicy(cp, input.PolicyArn);
    const attached = await tx.rolePolicies.listAttached(role.roleId);
    if (attached.includes(input.PolicyArn)) return;
    if (attached.length >= ATTACHED_POLICIES_QUOTA) throw new LimitExceededException(`Cannot exceed quota for PoliciesPerRole: ${ATTACHED_POLICIES_QUOTA}`);
    await tx.rolePolicies.attach(role.roleId, input.PolicyArn);
  });
  return undefined;
}

export async function detachRolePolicy(cp: ControlPlane, input: { RoleName: string; PolicyArn: string }): Promise<undefined> {
  await cp.store.transaction(async (tx) => {
    const role = await requireRole(tx, input.RoleName);
    if (!parseArn(input.PolicyArn)) throw new InvalidInputException(`ARN ${input.PolicyArn} is not valid.`);
    if (!(await tx.rolePolicies.detach(role.roleId, input.PolicyArn))) throw new NoSuchEntityException(`Policy ${input.PolicyArn} was not found.`);
  });
  return undefined;
}

export async function listAttachedRolePolicies(cp: ControlPlane, input: { RoleName: string; PathPrefix?: string } & PageInput): Promise<Wire> {
  const role = await requireRole(cp.store.read, input.RoleName);
  return attachedPoliciesPage(cp, 'ListAttachedRolePolicies', await cp.store.read.rolePolicies.listAttached(role.roleId), input);
}

/** A page of ListAttachedRolePolicies / ListAttachedUserPolicies: the attached ARNs under PathPrefix, named. */
export function attachedPoliciesPage(cp: ControlPlane, operation: string, arns: readonly string[], input: { PathPrefix?: string } & PageInput): Wire {
  const attached = arns
    .map((arn) => ({ arn, policy: findManagedPolicy(cp.scope.partition, arn) }))
    .filter((a) => input.PathPrefix === undefined || (a.policy?.path ?? '/').startsWith(input.PathPrefix));
  const { items, ...page } = pageOf(operation, attached, (a) => a.arn, input);
  return {
    AttachedPolicies: items.map((a) => ({ PolicyName: a.policy?.name ?? a.arn.slice(a.arn.lastIndexOf('/') + 1), PolicyArn: a.arn })),
    ...page,
  };
}
