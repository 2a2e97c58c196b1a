/**
 * DeleteSecret and RestoreSecret. A deletion is scheduled: the secret keeps its versions, refuses
 * reads and writes until restored, and is purged once its recovery window ends (every write
 * transaction purges expired secrets first; reads treat them as gone already).
 */
import { toEpochSeconds } from '../lib/clock.js';
import type { SecretsContext } from './context.js';
import { InvalidParameterException, markedForDeletion, secretNotFound } from './errors.js';
import { findSecret } from './secret-ids.js';

const DAY_MS = 86_400_000;
const DEFAULT_RECOVERY_DAYS = 30;

export interface DeleteSecretInput { SecretId: string; RecoveryWindowInDays?: number; ForceDeleteWithoutRecovery?: boolean }

/** The recovery window in days (0: delete now), or AWS's refusal. */
export function recoveryWindowOf(input: Pick<DeleteSecretInput, 'RecoveryWindowInDays' | 'ForceDeleteWithoutRecovery'>): number {
  if (input.ForceDeleteWithoutRecovery === true && input.RecoveryWindowInDays !== undefined) {
    throw new InvalidParameterException("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
  }
  if (input.ForceDeleteWithoutRecovery === true) return 0;
  const days = input.RecoveryWindowInDays ?? DEFAULT_RECOVERY_DAYS;
  if (!Number.isInteger(days) || days < 7 || days > 30) {
    throw new InvalidParameterException('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
  }
  return days;
}

export async function deleteSecret(ctx: SecretsContext, input: DeleteSecretInput): Promise<unknown> {
  const days = recoveryWindowOf(input);
  return ctx.store.transaction(async (tx) => {
    const now = ctx.clock.now();
    await tx.secrets.purgeExpired(now);
    const secret = await findSecret(tx, input.SecretId);
    if (!secret) {
      // AWS: forcibly deleting a secret that is already gone is not an error.
      if (days === 0) return { Name: input.SecretId, DeletionDate: toEpochSeconds(now) };
      throw secretNotFound();
    }
    if (days === 0) {
      await tx.secrets.remove(secret.arn);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: toEpochSeconds(now) };
    }
    if (secret.deletionDate !== undefined) throw markedForDeletion();
    const deletionDate = now + days * DAY_MS;
    await tx.secrets.update({ ...secret, deletedAt: now, deletionDate });
    return { ARN: secret.arn, Name: secret.name, DeletionDate: toEpochSeconds(deletionDate) };
  });
}

export async function restoreSecret(ctx: SecretsContext, input: { SecretId: string }): Promise<unknown> {
  return ctx.store.transaction(async (tx) => {
    await tx.secrets.purgeExpired(ctx.clock.now());
    const secret = await findSecret(tx, input.SecretId);
    if (!secret) throw secretNotFound();
    if (secret.deletionDate !== undefined) {
      const { deletedAt: _deletedAt, deletionDate: _deletionDate, ...restored } = secret;
      await tx.secrets.update(restored);
    }
    return { ARN: secret.arn, Name: secret.name };
  });
}
