/** CreateSecret, PutSecretValue and UpdateSecret. */
import type { KeyValueTag, SecretRecord } from '../store/secret-records.js';
import type { Repos } from '../store/store.js';
import type { SecretsContext } from './context.js';
import {
  InvalidRequestException, ResourceExistsException, markedForDeletion, secretNotFound,
} from './errors.js';
import { findSecret, parseSecretName, secretArn } from './secret-ids.js';
import { valueFromInput, type ValueInput } from './secret-values.js';
import { addVersion, newVersionId } from './secret-versions.js';

export interface CreateSecretInput extends ValueInput {
  Name: string; ClientRequestToken?: string; Description?: string; KmsKeyId?: string; Tags?: Partial<KeyValueTag>[];
  AddReplicaRegions?: unknown[]; Type?: string;
}

export async function createSecret(ctx: SecretsContext, input: CreateSecretInput): Promise<unknown> {
  const name = parseSecretName(input.Name);
  const value = valueFromInput(input);
  if (input.AddReplicaRegions !== undefined) throw new InvalidRequestException('Pier does not replicate secrets to other Regions.');
  const tags = (input.Tags ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
  return ctx.store.transaction(async (tx) => {
    const now = ctx.clock.now();
    await tx.secrets.purgeExpired(now);
    const existing = await tx.secrets.getByName(name);
    if (existing?.deletionDate !== undefined) {
      throw new InvalidRequestException("You can't create this secret because a secret with this name is already scheduled for deletion.");
    }
    if (existing) {
      // A retry of this very call (same token, same value) answers as the first one did.
      const retried = value && input.ClientRequestToken !== undefined
        && (await tx.secrets.versions(existing.arn)).some((v) => v.versionId === input.ClientRequestToken);
      if (!retried) throw new ResourceExistsException(`The operation failed because the secret ${name} already exists.`);
      const added = await addVersion(ctx, tx, existing, input.ClientRequestToken!, value);
      return { ARN: existing.arn, Name: existing.name, VersionId: added.versionId };
    }
    const secret: SecretRecord = {
      arn: secretArn(ctx.scope, name, ctx.arnSuffix()), name, tags, createdAt: now, lastChangedAt: now,
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      ...(input.KmsKeyId !== undefined ? { kmsKeyId: input.KmsKeyId } : {}),
    };
    await tx.secrets.insert(secret);
    if (!value) return { ARN: secret.arn, Name: name };
    const added = await addVersion(ctx, tx, secret, newVersionId(ctx, input.ClientRequestToken), value);
    return { ARN: secret.arn, Name: name, VersionId: added.versionId };
  });
}

/** The live (not scheduled for deletion) secret a SecretId names, in a write transaction. */
export async function liveSecret(ctx: SecretsContext, tx: Repos, secretId: string): Promise<SecretRecord> {
  await tx.secrets.purgeExpired(ctx.clock.now());
  const secret = await findSecret(tx, secretId);
  if (!secret) throw secretNotFound();
  if (secret.deletionDate !== undefined) throw markedForDeletion();
  return secret;
}

export interface PutSecretValueInput extends ValueInput {
  SecretId: string; ClientRequestToken?: string; VersionStages?: string[]; RotationToken?: string;
}

export async function putSecretValue(ctx: SecretsContext, input: PutSecretValueInput): Promise<unknown> {
  const value = valueFromInput(input);
  if (!value) throw new InvalidRequestException('You must provide either SecretString or SecretBinary.');
  return ctx.store.transaction(async (tx) => {
    const secret = await liveSecret(ctx, tx, input.SecretId);
    const added = await addVersion(ctx, tx, secret, newVersionId(ctx, input.ClientRequestToken), value, input.VersionStages);
    return { ARN: secret.arn, Name: secret.name, VersionId: added.versionId, VersionStages: added.stages };
  });
}

export interface UpdateSecretInput extends ValueInput {
  SecretId: string; ClientRequestToken?: string; Description?: string; KmsKeyId?: string; Type?: string;
}

export async function updateSecret(ctx: SecretsContext, input: UpdateSecretInput): Promise<unknown> {
  const value = valueFromInput(input);
  return ctx.store.transaction(async (tx) => {
    let secret = await liveSecret(ctx, tx, input.SecretId);
    if (input.Description !== undefined || input.KmsKeyId !== undefined) {
      secret = {
        ...secret, lastChangedAt: ctx.clock.now(),
        ...(input.Description !== undefined ? { description: input.Description } : {}),
        ...(input.KmsKeyId !== undefined ? { kmsKeyId: input.KmsKeyId } : {}),
      };
      await tx.secrets.update(secret);
    }
    if (!value) return { ARN: secret.arn, Name: secret.name };
    const versionId = newVersionId(ctx, input.ClientRequestToken);
    // UpdateSecret never repeats a version, even with the same value (AWS documents this as an error).
    if ((await tx.secrets.versions(secret.arn)).some((v) => v.versionId === versionId)) {
      throw new ResourceExistsException("You can't modify an existing version, you can only create a new version.");
    }
    const added = await addVersion(ctx, tx, secret, versionId, value);
    return { ARN: secret.arn, Name: secret.name, VersionId: added.versionId };
  });
}
