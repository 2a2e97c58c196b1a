/** GetSecretValue and DescribeSecret, and the read the task-start path shares with GetSecretValue. */
import { toEpochSeconds } from '../lib/clock.js';
import type { SecretRecord, SecretVersionRecord } from '../store/secret-records.js';
import type { Repos } from '../store/store.js';
import type { SecretsContext } from './context.js';
import { markedForDeletion, secretNotFound } from './errors.js';
import { findSecret } from './secret-ids.js';
import { openValue, valueToWire, type SecretValue } from './secret-values.js';
import { selectVersion, versionIdsToStages } from './staging.js';

const DAY_MS = 86_400_000;

/** A secret as reads see it: one whose recovery window has ended is gone, even before the purge. */
export async function visibleSecret(ctx: SecretsContext, repos: Repos, secretId: string): Promise<SecretRecord> {
  const secret = await findSecret(repos, secretId);
  if (!secret || (secret.deletionDate !== undefined && secret.deletionDate <= ctx.clock.now())) throw secretNotFound();
  return secret;
}

export interface SecretRead {
  readonly secret: SecretRecord;
  readonly version: SecretVersionRecord;
  readonly value: SecretValue;
}

/** Reads a secret's value (AWSCURRENT unless a version id or stage is given), noting the day it was read. */
export async function readSecretValue(ctx: SecretsContext, secretId: string, sel: { versionId?: string; versionStage?: string }): Promise<SecretRead> {
  const secret = await visibleSecret(ctx, ctx.store.read, secretId);
  if (secret.deletionDate !== undefined) throw markedForDeletion();
  const version = selectVersion(await ctx.store.read.secrets.versions(secret.arn), sel);
  const value = openValue(ctx.cipher, version);
  const today = Math.floor(ctx.clock.now() / DAY_MS) * DAY_MS;
  if (secret.lastAccessedAt !== today) {
    // One write per secret per day: AWS reports the access date, not the time.
    await ctx.store.transaction(async (tx) => {
      const fresh = await tx.secrets.get(secret.arn);
      if (fresh) await tx.secrets.update({ ...fresh, lastAccessedAt: today });
    });
  }
  return { secret, version, value };
}

export async function getSecretValue(ctx: SecretsContext, input: { SecretId: string; VersionId?: string; VersionStage?: string }): Promise<unknown> {
  const { secret, version, value } = await readSecretValue(ctx, input.SecretId, { versionId: input.VersionId, versionStage: input.VersionStage });
  return {
    ARN: secret.arn, Name: secret.name, VersionId: version.versionId, ...valueToWire(value),
    ...(version.stages.length > 0 ? { VersionStages: version.stages } : {}),
    CreatedDate: toEpochSeconds(version.createdAt),
  };
}

/** The fields DescribeSecret and ListSecrets share (ListSecrets names the version map SecretVersionsToStages). */
export function secretMetadata(secret: SecretRecord): Record<string, unknown> {
  return {
    ARN: secret.arn, Name: secret.name,
    ...(secret.description !== undefined ? { Description: secret.description } : {}),
    ...(secret.kmsKeyId !== undefined ? { KmsKeyId: secret.kmsKeyId } : {}),
    LastChangedDate: toEpochSeconds(secret.lastChangedAt),
    ...(secret.lastAccessedAt !== undefined ? { LastAccessedDate: toEpochSeconds(secret.lastAccessedAt) } : {}),
    ...(secret.deletedAt !== undefined ? { DeletedDate: toEpochSeconds(secret.deletedAt) } : {}),
    ...(secret.tags.length > 0 ? { Tags: secret.tags } : {}),
    CreatedDate: toEpochSeconds(secret.createdAt),
  };
}

export async function describeSecret(ctx: SecretsContext, input: { SecretId: string }): Promise<unknown> {
  const secret = await visibleSecret(ctx, ctx.store.read, input.SecretId);
  const versions = await ctx.store.read.secrets.versions(secret.arn);
  return { ...secretMetadata(secret), VersionIdsToStages: versionIdsToStages(versions) };
}
