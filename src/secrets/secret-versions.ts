/** Adding a version to a secret inside a transaction: seal, store, move labels, prune. */
import type { Repos } from '../store/store.js';
import type { SecretRecord } from '../store/secret-records.js';
import type { SecretsContext } from './context.js';
import { ResourceExistsException } from './errors.js';
import { openValue, sameValue, sealValue, type SecretValue } from './secret-values.js';
import { stageNewVersion, versionsToPrune } from './staging.js';

export interface AddedVersion {
  readonly versionId: string;
  readonly stages: readonly string[];
}

/**
 * Adds `value` as version `versionId` (the ClientRequestToken) with `stages`. A retry with the same
 * token and the same value changes nothing and answers as the first call did; the same token with
 * another value is refused, since versions never change.
 */
export async function addVersion(
  ctx: SecretsContext, tx: Repos, secret: SecretRecord, versionId: string, value: SecretValue, stages?: readonly string[],
): Promise<AddedVersion> {
  const versions = await tx.secrets.versions(secret.arn);
  const existing = versions.find((v) => v.versionId === versionId);
  if (existing) {
    if (!sameValue(openValue(ctx.cipher, existing), value)) {
      throw new ResourceExistsException("You can't modify an existing version, you can only create a new version.");
    }
    return { versionId, stages: existing.stages };
  }
  const now = ctx.clock.now();
  const staged = stageNewVersion(versions, versionId, stages);
  await tx.secrets.insertVersion({ secretArn: secret.arn, versionId, stages: [], ...sealValue(ctx.cipher, secret.arn, versionId, value), createdAt: now });
  const before = new Map(versions.map((v) => [v.versionId, v.stages.join('\n')]));
  for (const v of staged) {
    if (before.get(v.versionId) !== v.stages.join('\n')) await tx.secrets.setStages(secret.arn, v.versionId, v.stages);
  }
  for (const id of versionsToPrune(staged)) await tx.secrets.removeVersion(secret.arn, id);
  await tx.secrets.update({ ...secret, lastChangedAt: now });
  return { versionId, stages: staged.find((v) => v.versionId === versionId)!.stages };
}

export const newVersionId = (ctx: SecretsContext, token: string | undefined): string => token ?? ctx.ids.uuid();
