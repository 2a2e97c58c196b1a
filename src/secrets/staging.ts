/**
 * Staging labels, as Secrets Manager moves them (pure). Each label sits on at most one version of
 * a secret. When AWSCURRENT moves to a new version, AWSPREVIOUS moves to the version AWSCURRENT
 * left. A version left with no label is deprecated: still readable by its id until it is pruned.
 */
import { InvalidRequestException, ResourceNotFoundException } from './errors.js';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';
export const AWSPENDING = 'AWSPENDING';

/** Secrets Manager keeps at most this many versions; deprecated ones go first, oldest first. */
export const MAX_VERSIONS = 100;

export interface StagedVersion {
  readonly versionId: string;
  readonly stages: readonly string[];
}

/**
 * The labels of every version after a new version `versionId` is added with `requested` labels
 * (PutSecretValue's VersionStages; AWSCURRENT when absent). The first version of a secret always
 * gets AWSCURRENT. Returns the versions in the order given, the new one last.
 */
export function stageNewVersion(versions: readonly StagedVersion[], versionId: string, requested?: readonly string[]): StagedVersion[] {
  const labels = [...new Set(requested ?? [AWSCURRENT])];
  if (versions.length === 0 && !labels.includes(AWSCURRENT)) labels.push(AWSCURRENT);
  const next = new Map<string, string[]>(versions.map((v) => [v.versionId, [...v.stages]]));
  next.set(versionId, []);
  for (const label of labels) moveLabel(next, label, versionId);
  return [...next].map(([id, stages]) => ({ versionId: id, stages }));
}

function moveLabel(labels: Map<string, string[]>, label: string, to: string): void {
  const from = [...labels].find(([id, stages]) => id !== to && stages.includes(label))?.[0];
  if (from !== undefined) labels.set(from, labels.get(from)!.filter((l) => l !== label));
  if (!labels.get(to)!.includes(label)) labels.get(to)!.push(label);
  if (label === AWSCURRENT && from !== undefined) {
    for (const [id, stages] of labels) if (stages.includes(AWSPREVIOUS)) labels.set(id, stages.filter((l) => l !== AWSPREVIOUS));
    labels.get(from)!.push(AWSPREVIOUS);
  }
}

/** Versions to drop so at most MAX_VERSIONS remain: deprecated ones, oldest first (input is oldest first). */
export function versionsToPrune(versions: readonly StagedVersion[], max = MAX_VERSIONS): string[] {
  const excess = versions.length - max;
  if (excess <= 0) return [];
  return versions.filter((v) => v.stages.length === 0).slice(0, excess).map((v) => v.versionId);
}

/**
 * The version GetSecretValue reads: by id, by label, or both (they must agree); AWSCURRENT when
 * neither is given. Throws AWS's errors when there is no such version.
 */
export function selectVersion<V extends StagedVersion>(versions: readonly V[], sel: { versionId?: string; versionStage?: string }): V {
  if (sel.versionId !== undefined) {
    const byId = versions.find((v) => v.versionId === sel.versionId);
    if (!byId) throw new ResourceNotFoundException(`Secrets Manager can't find the specified secret value for VersionId: ${sel.versionId}`);
    if (sel.versionStage !== undefined && !byId.stages.includes(sel.versionStage)) {
      throw new InvalidRequestException('You provided a VersionStage that is not associated to the provided VersionId.');
    }
    return byId;
  }
  const stage = sel.versionStage ?? AWSCURRENT;
  const byStage = versions.find((v) => v.stages.includes(stage));
  if (!byStage) throw new ResourceNotFoundException(`Secrets Manager can't find the specified secret value for staging label: ${stage}`);
  return byStage;
}

/** DescribeSecret's VersionIdsToStages: versions that still carry a label. */
export function versionIdsToStages(versions: readonly StagedVersion[]): Record<string, string[]> {
  return Object.fromEntries(versions.filter((v) => v.stages.length > 0).map((v) => [v.versionId, [...v.stages]]));
}
