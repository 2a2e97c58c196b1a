/**
 * GetPolicy, GetPolicyVersion, ListPolicies over Pier's catalogue of AWS managed policies
 * (managed-policies.ts). There are no customer managed policies, so `Scope=Local` lists nothing.
 */
import type { ControlPlane } from '../control-plane/context.js';
import { NoSuchEntityException } from './errors.js';
import { DEFAULT_VERSION_ID, MANAGED_POLICIES, findManagedPolicy, managedPolicyArn, managedPolicyId, type ManagedPolicy } from './managed-policies.js';
import { pageOf } from './paging.js';
import { urlEncodeDocument } from './policy-document.js';

type Wire = Record<string, unknown>;

function policyToWire(cp: ControlPlane, p: ManagedPolicy, attachments: number, withDescription: boolean): Wire {
  return {
    PolicyName: p.name, PolicyId: managedPolicyId(p), Arn: managedPolicyArn(cp.scope.partition, p), Path: p.path,
    DefaultVersionId: DEFAULT_VERSION_ID, AttachmentCount: attachments, PermissionsBoundaryUsageCount: 0, IsAttachable: true,
    ...(withDescription ? { Description: p.description } : {}),
    CreateDate: p.createdAt, UpdateDate: p.createdAt,
  };
}

function requirePolicy(cp: ControlPlane, arn: string): ManagedPolicy {
  const p = findManagedPolicy(cp.scope.partition, arn);
  if (!p) throw new NoSuchEntityException(`Policy ${arn} was not found.`);
  return p;
}

/** How many roles and users each managed policy is attached to. */
async function attachmentCounts(cp: ControlPlane): Promise<Map<string, number>> {
  const counts = await cp.store.read.rolePolicies.attachmentCounts();
  for (const [arn, n] of await cp.store.read.userPolicies.attachmentCounts()) counts.set(arn, (counts.get(arn) ?? 0) + n);
  return counts;
}

export async function getPolicy(cp: ControlPlane, input: { PolicyArn: string }): Promise<Wire> {
  const p = requirePolicy(cp, input.PolicyArn);
  const counts = await attachmentCounts(cp);
  return { Policy: policyToWire(cp, p, counts.get(input.PolicyArn) ?? 0, true) };
}

export async function getPolicyVersion(cp: ControlPlane, input: { PolicyArn: string; VersionId: string }): Promise<Wire> {
  const p = requirePolicy(cp, input.PolicyArn);
  if (input.VersionId !== DEFAULT_VERSION_ID) {
    throw new NoSuchEntityException(`Policy ${input.PolicyArn} version ${input.VersionId} does not exist or is not attachable.`);
  }
  return { PolicyVersion: { Document: urlEncodeDocument(p.document), VersionId: DEFAULT_VERSION_ID, IsDefaultVersion: true, CreateDate: p.createdAt } };
}

export interface ListPoliciesInput {
  Scope?: 'All' | 'AWS' | 'Local';
  OnlyAttached?: boolean;
  PathPrefix?: string;
  PolicyUsageFilter?: 'PermissionsPolicy' | 'PermissionsBoundary';
  Marker?: string;
  MaxItems?: number;
}

export async function listPolicies(cp: ControlPlane, input: ListPoliciesInput): Promise<Wire> {
  const counts = await attachmentCounts(cp);
  const arnOf = (p: ManagedPolicy) => managedPolicyArn(cp.scope.partition, p);
  const matching = MANAGED_POLICIES.filter((p) => (input.Scope ?? 'All') !== 'Local'
    && (input.PathPrefix === undefined || p.path.startsWith(input.PathPrefix))
    // Pier has no permissions boundaries: as a boundary, no policy is in use.
    && !(input.OnlyAttached === true && (input.PolicyUsageFilter === 'PermissionsBoundary' || !counts.get(arnOf(p)))));
  const { items, ...page } = pageOf('ListPolicies', matching, (p) => p.name, input);
  return { Policies: items.map((p) => policyToWire(cp, p, counts.get(arnOf(p)) ?? 0, false)), ...page };
}
