/** ECR DescribeImages, ListImages, BatchDeleteImage and GetAuthorizationToken on the built-in registry. */
import { toEpochSeconds } from '../../lib/clock.js';
import { isDigest } from '../digest.js';
import { ImageNotFoundException, InvalidParameterException } from '../ecr-errors.js';
import { deleteReference } from '../images.js';
import type { Registry } from '../registry.js';
import type { ImageRecord } from '../repositories.js';
import { ECR_USERNAME } from '../registry-tokens.js';
import { findRepository } from './repositories.js';
import { page } from './paging.js';

interface ImageIdentifier { imageDigest?: string; imageTag?: string }
interface RepositoryInput { registryId?: string; repositoryName: string }
interface ListInput extends RepositoryInput { maxResults?: number; nextToken?: string; filter?: { tagStatus?: string } }

function byTagStatus(images: ImageRecord[], status: string | undefined): ImageRecord[] {
  if (status === 'TAGGED') return images.filter((i) => i.tags.length > 0);
  if (status === 'UNTAGGED') return images.filter((i) => i.tags.length === 0);
  return images;
}

const describeId = (id: ImageIdentifier): string => `{imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'}`;

function imageToWire(reg: Registry, repositoryName: string, i: ImageRecord): Record<string, unknown> {
  return {
    registryId: reg.registryId, repositoryName, imageDigest: i.digest,
    ...(i.tags.length > 0 ? { imageTags: [...i.tags] } : {}),
    imageSizeInBytes: i.imageSizeInBytes, imagePushedAt: toEpochSeconds(i.pushedAt),
    imageManifestMediaType: i.mediaType,
    ...(i.artifactMediaType ? { artifactMediaType: i.artifactMediaType } : {}),
  };
}

export async function describeImages(reg: Registry, input: ListInput & { imageIds?: ImageIdentifier[] }): Promise<unknown> {
  const repo = await findRepository(reg, input);
  const images = await reg.repositories.images(repo.repositoryName);
  if (input.imageIds) {
    if (input.maxResults !== undefined || input.nextToken !== undefined) {
      throw new InvalidParameterException('maxResults and nextToken cannot be used together with imageIds');
    }
    const found: ImageRecord[] = [];
    for (const id of input.imageIds) {
      const image = images.find((i) => matches(i, id));
      if (!image) {
        throw new ImageNotFoundException(
          `The image with imageId ${describeId(id)} does not exist within the repository with name '${repo.repositoryName}' in the registry with id '${reg.registryId}'`);
      }
      if (!found.includes(image)) found.push(image);
    }
    return { imageDetails: found.map((i) => imageToWire(reg, repo.repositoryName, i)) };
  }
  const { items, nextToken } = page(byTagStatus(images, input.filter?.tagStatus), input);
  return { imageDetails: items.map((i) => imageToWire(reg, repo.repositoryName, i)), ...(nextToken ? { nextToken } : {}) };
}

function matches(i: ImageRecord, id: ImageIdentifier): boolean {
  return (id.imageDigest === undefined || id.imageDigest === i.digest) && (id.imageTag === undefined || i.tags.includes(id.imageTag))
    && (id.imageDigest !== undefined || id.imageTag !== undefined);
}

export async function listImages(reg: Registry, input: ListInput): Promise<unknown> {
  const repo = await findRepository(reg, input);
  // One identifier per tag, and one digest-only identifier per untagged image, as ECR lists them.
  const ids = byTagStatus(await reg.repositories.images(repo.repositoryName), input.filter?.tagStatus)
    .flatMap((i): ImageIdentifier[] => (i.tags.length > 0 ? i.tags.map((t) => ({ imageDigest: i.digest, imageTag: t })) : [{ imageDigest: i.digest }]));
  const { items, nextToken } = page(ids, input);
  return { imageIds: items, ...(nextToken ? { nextToken } : {}) };
}

export async function batchDeleteImage(reg: Registry, input: RepositoryInput & { imageIds: ImageIdentifier[] }): Promise<unknown> {
  const repo = await findRepository(reg, input);
  const name = repo.repositoryName;
  const deleted: ImageIdentifier[] = [];
  const failures: unknown[] = [];
  const fail = (imageId: ImageIdentifier, failureCode: string, failureReason: string): void => void failures.push({ imageId, failureCode, failureReason });
  for (const id of input.imageIds) {
    if (id.imageDigest === undefined && id.imageTag === undefined) {
      fail(id, 'MissingDigestAndTag', 'Missing both imageDigest and imageTag');
      continue;
    }
    if (id.imageDigest !== undefined && !isDigest(id.imageDigest)) {
      fail(id, 'InvalidImageDigest', 'Invalid image digest');
      continue;
    }
    const images = await reg.repositories.images(name);
    const image = images.find((i) => (id.imageDigest !== undefined ? i.digest === id.imageDigest : i.tags.includes(id.imageTag!)));
    if (!image) {
      fail(id, 'ImageNotFound', 'Requested image not found');
      continue;
    }
    if (id.imageTag !== undefined && !image.tags.includes(id.imageTag)) {
      fail(id, 'ImageTagDoesNotMatchDigest', 'Invalid image tag for the given digest');
      continue;
    }
    const deletesImage = id.imageTag === undefined || image.tags.length === 1;
    if (deletesImage && images.some((parent) => parent.children.includes(image.digest))) {
      fail(id, 'ImageReferencedByManifestList', 'Requested image is referenced by a manifest list');
      continue;
    }
    // A tag goes alone; the image goes with its last tag (as ECR), or when named by digest.
    if (deletesImage) await deleteReference(reg, name, image.digest);
    else await deleteReference(reg, name, id.imageTag!);
    deleted.push({ imageDigest: image.digest, ...(id.imageTag !== undefined ? { imageTag: id.imageTag } : {}) });
  }
  return { imageIds: deleted, failures };
}

export function getAuthorizationToken(reg: Registry, principalArn: string): unknown {
  const { password, expiresAtMs } = reg.tokens.issue(principalArn, reg.clock.now());
  return {
    authorizationData: [{
      authorizationToken: Buffer.from(`${ECR_USERNAME}:${password}`).toString('base64'),
      expiresAt: toEpochSeconds(expiresAtMs),
      proxyEndpoint: `http://${reg.host}`,
    }],
  };
}
