/**
 * An IAM user's access keys: CreateAccessKey (the only time the secret is shown), ListAccessKeys,
 * UpdateAccessKey (Active/Inactive: an inactive key stops authenticating at once) and
 * DeleteAccessKey. Without UserName they act on the calling user's own keys, as IAM does.
 * The account's root keys are not IAM user keys and are not served here.
 */
import type { ControlPlane } from '../control-plane/context.js';
import type { UserAccessKeyRecord, UserRecord } from '../store/store.js';
import { InvalidInputException, LimitExceededException, NoSuchEntityException } from './errors.js';
import { pageOf } from './paging.js';
import type { Principal } from './principal.js';
import { namedOrCallingUser } from './users.js';

type Wire = Record<string, unknown>;

/** IAM's quota of access keys per user. */
export const ACCESS_KEYS_PER_USER = 2;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `AKIA` and 16 base32 characters, from 128 random bits of the IdSource. */
function newAccessKeyId(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  return `AKIA${[...bytes].map((b) => BASE32[b % 32]).join('')}`;
}

/** 40 characters of base64 (without `+` and `/`), from 256 random bits. */
function newSecret(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64').replace(/[+/=]/g, '').padEnd(40, 'A').slice(0, 40);
}

const keyNotFound = (id: string): NoSuchEntityException => new NoSuchEntityException(`The Access Key with id ${id} cannot be found.`);

const metadata = (k: UserAccessKeyRecord, user: UserRecord): Wire =>
  ({ UserName: user.name, AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: k.createdAt });

export async function createAccessKey(cp: ControlPlane, input: { UserName?: string }, caller: Principal): Promise<Wire> {
  const key: UserAccessKeyRecord = {
    accessKeyId: newAccessKeyId(cp.ids.hex32()), secretAccessKey: newSecret(cp.ids.hex32() + cp.ids.hex32()),
    userId: '', status: 'Active', createdAt: cp.clock.now(),
  };
  const user = await cp.store.transaction(async (tx) => {
    const u = await namedOrCallingUser(tx, input.UserName, caller);
    if ((await tx.userAccessKeys.listByUser(u.userId)).length >= ACCESS_KEYS_PER_USER) {
      throw new LimitExceededException(`Cannot exceed quota for AccessKeysPerUser: ${ACCESS_KEYS_PER_USER}`);
    }
    await tx.userAccessKeys.insert({ ...key, userId: u.userId });
    return u;
  });
  return { AccessKey: { ...metadata(key, user), SecretAccessKey: key.secretAccessKey } };
}

export async function listAccessKeys(cp: ControlPlane, input: { UserName?: string; Marker?: string; MaxItems?: number }, caller: Principal): Promise<Wire> {
  const user = await namedOrCallingUser(cp.store.read, input.UserName, caller);
  const keys = await cp.store.read.userAccessKeys.listByUser(user.userId);
  const { items, ...page } = pageOf('ListAccessKeys', keys, (k) => k.accessKeyId, input);
  return { AccessKeyMetadata: items.map((k) => metadata(k, user)), ...page };
}

export async function updateAccessKey(
  cp: ControlPlane, input: { UserName?: string; AccessKeyId: string; Status: string }, caller: Principal,
): Promise<undefined> {
  await cp.store.transaction(async (tx) => {
    const user = await namedOrCallingUser(tx, input.UserName, caller);
    const key = await tx.userAccessKeys.get(input.AccessKeyId);
    if (!key || key.userId !== user.userId) throw keyNotFound(input.AccessKeyId);
    // The model's enum also lists Expired, which only IAM itself sets.
    if (input.Status !== 'Active' && input.Status !== 'Inactive') throw new InvalidInputException(`Status must be Active or Inactive, got ${input.Status}.`);
    await tx.userAccessKeys.setStatus(key.accessKeyId, input.Status);
  });
  return undefined;
}

export async function deleteAccessKey(cp: ControlPlane, input: { UserName?: string; AccessKeyId: string }, caller: Principal): Promise<undefined> {
  await cp.store.transaction(async (tx) => {
    const user = await namedOrCallingUser(tx, input.UserName, caller);
    const key = await tx.userAccessKeys.get(input.AccessKeyId);
    if (!key || key.userId !== user.userId) throw keyNotFound(input.AccessKeyId);
    await tx.userAccessKeys.remove(key.accessKeyId);
  });
  return undefined;
}
