/**
 * Image writes and reads shared by the distribution API and the ECR API: push a manifest (checking
 * what it references is in the repository, honouring IMMUTABLE tags), resolve a tag or digest, and
 * delete an image or a tag.
 */
import { digestOf, isDigest } from './digest.js';
import { DistributionError } from './distribution-errors.js';
import { MAX_MANIFEST_BYTES, parseManifest } from './manifest.js';
import type { Registry } from './registry.js';
import { TAG_PATTERN, type ManifestRecord } from './repositories.js';

export interface ResolvedImage {
  readonly digest: string;
  readonly record: ManifestRecord;
}

/** Stores a manifest under a tag or its digest; returns its digest. */
export async function pushManifest(reg: Registry, repository: string, reference: string, bytes: Buffer, contentType: string | undefined): Promise<string> {
  const repo = await reg.requireRepository(repository);
  if (bytes.length > MAX_MANIFEST_BYTES) throw new DistributionError('SIZE_INVALID', `manifests are limited to ${MAX_MANIFEST_BYTES} bytes`);
  const digest = digestOf(bytes);
  const byDigest = reference.includes(':');
  if (byDigest && reference !== digest) {
    throw new DistributionError('DIGEST_INVALID', `the manifest's digest is ${digest}, not ${reference}`, { expected: reference, actual: digest });
  }
  if (!byDigest && !TAG_PATTERN.test(reference)) throw new DistributionError('TAG_INVALID', `'${reference}' is not a valid tag`);
  const parsed = parseManifest(bytes, contentType);
  const missing: string[] = [];
  for (const blob of parsed.blobs) if (!(await reg.repositories.hasBlob(repository, blob))) missing.push(blob);
  let largestChild = 0;
  for (const child of parsed.children) {
    const m = await reg.repositories.manifest(repository, child);
    if (!m) missing.push(child);
    else largestChild = Math.max(largestChild, m.imageSizeInBytes);
  }
  if (missing.length > 0) {
    throw new DistributionError('MANIFEST_BLOB_UNKNOWN', `the manifest references ${missing.join(', ')}, not in repository ${repository}`, { digests: missing });
  }
  if (!byDigest && repo.imageTagMutability.startsWith('IMMUTABLE')) {
    const current = await reg.repositories.resolveTag(repository, reference);
    if (current !== undefined && current !== digest) {
      throw new DistributionError('TAG_INVALID',
        `The image tag '${reference}' already exists in the '${repository}' repository and cannot be overwritten because the repository is immutable.`);
    }
  }
  await reg.blobs.put(bytes);
  await reg.repositories.putManifest(repository, digest, {
    mediaType: parsed.mediaType, size: bytes.length,
    imageSizeInBytes: parsed.children.length > 0 ? largestChild : parsed.layerBytes,
    ...(parsed.artifactMediaType ? { artifactMediaType: parsed.artifactMediaType } : {}),
    children: parsed.children, pushedAt: reg.clock.now(),
  });
  if (!byDigest) await reg.repositories.tag(repository, reference, digest);
  return digest;
}

/** The image a tag or digest names in the repository, or undefined. */
export async function resolveImage(reg: Registry, repository: string, reference: string): Promise<ResolvedImage | undefined> {
  const digest = isDigest(reference) ? reference : await reg.repositories.resolveTag(repository, reference);
  if (!digest) return undefined;
  const record = await reg.repositories.manifest(repository, digest);
  return record ? { digest, record } : undefined;
}

/** A digest deletes the image and its tags; a tag deletes only the tag. False when there was nothing to delete. */
export async function deleteReference(reg: Registry, repository: string, reference: string): Promise<boolean> {
  if (isDigest(reference)) {
    if (!(await reg.repositories.manifest(repository, reference))) return false;
    await reg.repositories.deleteManifest(repository, reference);
    return true;
  }
  if ((await reg.repositories.resolveTag(repository, reference)) === undefined) return false;
  await reg.repositories.untag(repository, reference);
  return true;
}
