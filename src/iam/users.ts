/**
 * CreateUser, GetUser, ListUsers, DeleteUser. Inputs reach these already checked against the IAM
 * model; what is checked here is what IAM checks beyond it: tags, duplicates, and what a user
 * still holds when it is deleted (access keys, inline and attached policies: DeleteConflict).
 */
import type { ControlPlane } from '../control-plane/context.js';
import { ConflictError, type Repos, type UserRecord } from '../store/store.js';
import { DeleteConflictException, EntityAlreadyExistsException, InvalidInputException, NoSuchEntityException, ValidationError } from './errors.js';
import { IdPrefix, uniqueId } from './ids.js';
import { DEFAULT_MAX_ITEMS, afterMarker, pageWire } from './paging.js';
import type { Principal } from './principal.js';
import { parseTags } from './roles.js';

type Wire = Record<string, unknown>;
interface WireTag { Key: string; Value: string }

export const userNotFound = (name: string): NoSuchEntityException => new NoSuchEntityException(`The user with name ${name} cannot be found.`);

/** The user of that name (any case), or NoSuchEntity as IAM words it. */
export async function requireUser(repos: Repos, name: string): Promise<UserRecord> {
  const user = await repos.users.getByName(name);
  if (!user) throw userNotFound(name);
  return user;
}

/**
 * The user a call names, or — when it names none, as GetUser, CreateAccessKey and ListAccessKeys
 * allow — the IAM user who signed it. IAM answers a role session that names none this way.
 */
export async function namedOrCallingUser(repos: Repos, name: string | undefined, caller: Principal): Promise<UserRecord> {
  if (name !== undefined) return requireUser(repos, name);
  if (caller.kind === 'user') return requireUser(repos, caller.userName);
  throw new ValidationError('Must specify userName when calling with non-User credentials');
}

/** A user as IAM shows it: ListUsers leaves tags out. */
export function userToWire(u: UserRecord, view: 'full' | 'list'): Wire {
  return {
    Path: u.path, UserName: u.name, UserId: u.userId, Arn: u.arn, CreateDate: u.createdAt,
    ...(view === 'full' && u.tags.length > 0 ? { Tags: u.tags.map((t) => ({ Key: t.key, Value: t.value })) } : {}),
  };
}

export interface CreateUserInput { UserName: string; Path?: string; PermissionsBoundary?: string; Tags?: WireTag[] }

export async function createUser(cp: ControlPlane, input: CreateUserInput): Promise<Wire> {
  if (input.PermissionsBoundary !== undefined) {
    throw new InvalidInputException('Pier does not support permissions boundaries: create the user without PermissionsBoundary.');
  }
  const path = input.Path ?? '/';
  const user: UserRecord = {
    userId: uniqueId(cp.ids, IdPrefix.user), name: input.UserName, path,
    arn: `arn:${cp.scope.partition}:iam::${cp.scope.accountId}:user${path}${input.UserName}`,
    tags: parseTags(input.Tags), createdAt: cp.clock.now(),
  };
  const exists = () => new EntityAlreadyExistsException(`User with name ${input.UserName} already exists.`);
  await cp.store.transaction(async (tx) => {
    if (await tx.users.getByName(input.UserName)) throw exists();
    try {
      await tx.users.insert(user);
    } catch (err) {
      throw err instanceof ConflictError ? exists() : err;
    }
  });
  return { User: userToWire(user, 'full') };
}

/** With no UserName: the calling user, or for the account's root keys the root user itself. */
export async function getUser(cp: ControlPlane, input: { UserName?: string }, caller: Principal): Promise<Wire> {
  if (input.UserName === undefined && caller.kind === 'root') {
    const keys = await cp.store.read.accessKeys.list();
    const created = Math.min(...keys.filter((k) => k.userName === 'root').map((k) => k.createdAt));
    return { User: { UserId: caller.accountId, Arn: caller.arn, CreateDate: Number.isFinite(created) ? created : cp.config.startedAtMs } };
  }
  return { User: userToWire(await namedOrCallingUser(cp.store.read, input.UserName, caller), 'full') };
}

export async function listUsers(cp: ControlPlane, input: { PathPrefix?: string; Marker?: string; MaxItems?: number }): Promise<Wire> {
  const after = afterMarker('ListUsers', input.Marker);
  const page = await cp.store.read.users.list({
    ...(input.PathPrefix !== undefined ? { pathPrefix: input.PathPrefix } : {}),
    ...(after !== undefined ? { afterName: after } : {}),
    limit: input.MaxItems ?? DEFAULT_MAX_ITEMS,
  });
  return { Users: page.items.map((u) => userToWire(u, 'list')), ...pageWire('ListUsers', page.nextKey) };
}

/** Refused while the user has access keys, inline or attached policies, as IAM does. */
export async function deleteUser(cp: ControlPlane, input: { UserName: string }): Promise<undefined> {
  await cp.store.transaction(async (tx) => {
    const user = await requireUser(tx, input.UserName);
    if ((await tx.userAccessKeys.listByUser(user.userId)).length > 0) {
      throw new DeleteConflictException('Cannot delete entity, must delete access keys first.');
    }
    if ((await tx.userPolicies.listInline(user.userId)).length > 0) {
      throw new DeleteConflictException('Cannot delete entity, must delete policies first.');
    }
    if ((await tx.userPolicies.listAttached(user.userId)).length > 0) {
      throw new DeleteConflictException('Cannot delete entity, must detach all policies first.');
    }
    await tx.users.remove(user.userId);
  });
  return undefined;
}
