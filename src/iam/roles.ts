/**
 * CreateRole, GetRole, ListRoles, UpdateAssumeRolePolicy, DeleteRole. Inputs reach these already
 * checked against the IAM model (lengths, patterns, ranges, required members); what is checked
 * here is what IAM checks beyond the model: the trust policy, its size quota, tags, duplicates and
 * what a role still holds when it is deleted.
 */
import type { ControlPlane } from '../control-plane/context.js';
import type { Tag } from '../ecs/wire.js';
import { ConflictError, type Repos, type RoleRecord } from '../store/store.js';
import {
  DeleteConflictException, EntityAlreadyExistsException, InvalidInputException, LimitExceededException,
  MalformedPolicyDocumentException, roleNotFound,
} from './errors.js';
import { IdPrefix, uniqueId } from './ids.js';
import { DEFAULT_MAX_ITEMS, afterMarker, pageWire } from './paging.js';
import { PolicyKind, parsePolicyDocument, policySize, urlEncodeDocument, type PolicyDocument } from './policy-document.js';

type Wire = Record<string, unknown>;
interface WireTag { Key: string; Value: string }

/** IAM's default quota for a role's trust policy (white space not counted). */
export const TRUST_POLICY_QUOTA = 2048;
const DEFAULT_MAX_SESSION_SECONDS = 3600;

/**
 * A role as IAM shows it: `create` as CreateRole answers, `list` as ListRoles (no tags, no last
 * use), `full` as GetRole (with RoleLastUsed, empty until the role is first assumed).
 */
export function roleToWire(r: RoleRecord, view: 'create' | 'list' | 'full'): Wire {
  return {
    Path: r.path, RoleName: r.name, RoleId: r.roleId, Arn: r.arn, CreateDate: r.createdAt,
    AssumeRolePolicyDocument: urlEncodeDocument(r.assumeRolePolicyDocument),
    ...(r.description !== undefined ? { Description: r.description } : {}),
    ...(view !== 'create' ? { MaxSessionDuration: r.maxSessionDuration } : {}),
    ...(view !== 'list' && r.tags.length > 0 ? { Tags: r.tags.map((t) => ({ Key: t.key, Value: t.value })) } : {}),
    ...(view === 'full' ? { RoleLastUsed: r.lastUsed ? { LastUsedDate: r.lastUsed.at, Region: r.lastUsed.region } : {} } : {}),
  };
}

/** The role of that name (any case), or NoSuchEntity as IAM words it. */
export async function requireRole(repos: Repos, name: string): Promise<RoleRecord> {
  const role = await repos.roles.getByName(name);
  if (!role) throw roleNotFound(name);
  return role;
}

/**
 * Checks a trust policy as IAM does before storing it: the document, its size quota, and that the
 * roles of this account it names as principals exist (IAM resolves them to their unique ids).
 */
async function checkTrustPolicy(cp: ControlPlane, repos: Repos, text: string): Promise<PolicyDocument> {
  const doc = parsePolicyDocument(text, PolicyKind.trust);
  if (policySize(text) > TRUST_POLICY_QUOTA) throw new LimitExceededException(`Cannot exceed quota for ACLSizePerRole: ${TRUST_POLICY_QUOTA}`);
  const ownRoles = `arn:${cp.scope.partition}:iam::${cp.scope.accountId}:role/`;
  for (const s of doc.statements) {
    for (const arn of [...(s.principal?.['AWS'] ?? []), ...(s.notPrincipal?.['AWS'] ?? [])]) {
      if (arn.startsWith(ownRoles) && !(await repos.roles.getByArn(arn))) {
        throw new MalformedPolicyDocumentException(`Invalid principal in policy: "AWS":"${arn}"`);
      }
    }
  }
  return doc;
}

export function parseTags(tags: readonly WireTag[] | undefined): Tag[] {
  const seen = new Set<string>();
  for (const t of tags ?? []) {
    const key = t.Key.toLowerCase();
    if (key.startsWith('aws:')) throw new InvalidInputException(`Tag keys beginning with 'aws:' are reserved for AWS use: ${t.Key}.`);
    if (seen.has(key)) throw new InvalidInputException('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    seen.add(key);
  }
  return (tags ?? []).map((t) => ({ key: t.Key, value: t.Value }));
}

export interface CreateRoleInput {
  RoleName: string;
  Path?: string;
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration?: number;
  PermissionsBoundary?: string;
  Tags?: WireTag[];
}

export async function createRole(cp: ControlPlane, input: CreateRoleInput): Promise<Wire> {
  if (input.PermissionsBoundary !== undefined) {
    throw new InvalidInputException('Pier does not support permissions boundaries: create the role without PermissionsBoundary.');
  }
  const tags = parseTags(input.Tags);
  const path = input.Path ?? '/';
  const role: RoleRecord = {
    roleId: uniqueId(cp.ids, IdPrefix.role), name: input.RoleName, path,
    arn: `arn:${cp.scope.partition}:iam::${cp.scope.accountId}:role${path}${input.RoleName}`,
    assumeRolePolicyDocument: input.AssumeRolePolicyDocument,
    ...(input.Description !== undefined ? { description: input.Description } : {}),
    maxSessionDuration: input.MaxSessionDuration ?? DEFAULT_MAX_SESSION_SECONDS, tags, createdAt: cp.clock.now(),
  };
  const exists = () => new EntityAlreadyExistsException(`Role with name ${input.RoleName} already exists.`);
  await cp.store.transaction(async (tx) => {
    if (await tx.roles.getByName(input.RoleName)) throw exists();
    await checkTrustPolicy(cp, tx, input.AssumeRolePolicyDocument);
    try {
      await tx.roles.insert(role);
    } catch (err) {
      throw err instanceof ConflictError ? exists() : err;
    }
  });
  return { Role: roleToWire(role, 'create') };
}

export async function getRole(cp: ControlPlane, input: { RoleName: string }): Promise<Wire> {
  return { Role: roleToWire(await requireRole(cp.store.read, input.RoleName), 'full') };
}

export async function listRoles(cp: ControlPlane, input: { PathPrefix?: string; Marker?: string; MaxItems?: number }): Promise<Wire> {
  const after = afterMarker('ListRoles', input.Marker);
  const page = await cp.store.read.roles.list({
    ...(input.PathPrefix !== undefined ? { pathPrefix: input.PathPrefix } : {}),
    ...(after !== undefined ? { afterName: after } : {}),
    limit: input.MaxItems ?? DEFAULT_MAX_ITEMS,
  });
  return { Roles: page.items.map((r) => roleToWire(r, 'list')), ...pageWire('ListRoles', page.nextKey) };
}

export async function updateAssumeRolePolicy(cp: ControlPlane, input: { RoleName: string; PolicyDocument: string }): Promise<undefined> {
  await cp.store.transaction(async (tx) => {
    const role = await requireRole(tx, input.RoleName);
    await checkTrustPolicy(cp, tx, input.PolicyDocument);
    await tx.roles.update({ ...role, assumeRolePolicyDocument: input.PolicyDocument });
  });
  return undefined;
}

/** Refused while the role has inline or attached policies, as IAM does. */
export async function deleteRole(cp: ControlPlane, input: { RoleName: string }): Promise<undefined> {
  await cp.store.transaction(async (tx) => {
    const role = await requireRole(tx, input.RoleName);
    if ((await tx.rolePolicies.listInline(role.roleId)).length > 0) {
      throw new DeleteConflictException('Cannot delete entity, must delete policies first.');
    }
    if ((await tx.rolePolicies.listAttached(role.roleId)).length > 0) {
      throw new DeleteConflictException('Cannot delete entity, must detach all policies first.');
    }
    await tx.roles.remove(role.roleId);
  });
  return undefined;
}
