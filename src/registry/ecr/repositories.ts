/** ECR CreateRepository, DescribeRepositories, DeleteRepository on the built-in registry. */
import { toEpochSeconds } from '../../lib/clock.js';
import { InvalidParameterException, RepositoryAlreadyExistsException, RepositoryNotEmptyException, RepositoryNotFoundException } from '../ecr-errors.js';
import type { Registry } from '../registry.js';
import type { RepositoryRecord } from '../repositories.js';
import { isRepositoryName, REPOSITORY_NAME_PATTERN } from '../repository-names.js';
import { page } from './paging.js';

export interface CreateRepositoryInput {
  registryId?: string;
  repositoryName: string;
  tags?: { Key: string; Value: string }[];
  imageTagMutability?: string;
  imageScanningConfiguration?: { scanOnPush?: boolean };
  encryptionConfiguration?: { encryptionType: string; kmsKey?: string };
}

export function checkRegistryId(reg: Registry, registryId: string | undefined): void {
  if (registryId !== undefined && registryId !== reg.registryId) {
    throw new InvalidParameterException(`Invalid parameter at 'registryId' failed to satisfy constraint: 'this registry's id is ${reg.registryId}, not ${registryId}'`);
  }
}

export function checkName(name: string, member = 'repositoryName'): void {
  if (!isRepositoryName(name)) {
    throw new InvalidParameterException(`Invalid parameter at '${member}' failed to satisfy constraint: 'must satisfy regular expression '${REPOSITORY_NAME_PATTERN}''`);
  }
}

export const notFound = (reg: Registry, name: string): RepositoryNotFoundException =>
  new RepositoryNotFoundException(`The repository with name '${name}' does not exist in the registry with id '${reg.registryId}'`);

/** The repository (after the name and registry id checks), or RepositoryNotFoundException. */
export async function findRepository(reg: Registry, input: { registryId?: string; repositoryName: string }): Promise<RepositoryRecord> {
  checkRegistryId(reg, input.registryId);
  checkName(input.repositoryName);
  const repo = await reg.repositories.get(input.repositoryName);
  if (!repo) throw notFound(reg, input.repositoryName);
  return repo;
}

export function repositoryToWire(reg: Registry, r: RepositoryRecord): Record<string, unknown> {
  const { partition, region, accountId } = reg.scope;
  return {
    repositoryArn: `arn:${partition}:ecr:${region}:${accountId}:repository/${r.repositoryName}`,
    registryId: reg.registryId,
    repositoryName: r.repositoryName,
    repositoryUri: reg.repositoryUri(r.repositoryName),
    createdAt: toEpochSeconds(r.createdAt),
    imageTagMutability: r.imageTagMutability,
    imageScanningConfiguration: { scanOnPush: r.scanOnPush },
    encryptionConfiguration: { encryptionType: r.encryptionType, ...(r.kmsKey ? { kmsKey: r.kmsKey } : {}) },
  };
}

export async function createRepository(reg: Registry, input: CreateRepositoryInput): Promise<unknown> {
  checkRegistryId(reg, input.registryId);
  checkName(input.repositoryName);
  const mutability = input.imageTagMutability ?? 'MUTABLE';
  if (mutability !== 'MUTABLE' && mutability !== 'IMMUTABLE') {
    throw new InvalidParameterException(`Invalid parameter at 'imageTagMutability': Pier supports MUTABLE and IMMUTABLE, not ${mutability}`);
  }
  const encryption = input.encryptionConfiguration ?? { encryptionType: 'AES256' };
  if (encryption.encryptionType === 'AES256' && encryption.kmsKey) {
    throw new InvalidParameterException('Invalid parameter at \'encryptionConfiguration\': kmsKey may only be given with encryptionType KMS');
  }
  const record: RepositoryRecord = {
    repositoryName: input.repositoryName, createdAt: reg.clock.now(), imageTagMutability: mutability,
    scanOnPush: input.imageScanningConfiguration?.scanOnPush ?? false,
    encryptionType: encryption.encryptionType, ...(encryption.kmsKey ? { kmsKey: encryption.kmsKey } : {}),
    tags: input.tags ?? [],
  };
  if (!(await reg.repositories.create(record))) {
    throw new RepositoryAlreadyExistsException(`The repository with name '${input.repositoryName}' already exists in the registry with id '${reg.registryId}'`);
  }
  return { repository: repositoryToWire(reg, record) };
}

export async function describeRepositories(
  reg: Registry, input: { registryId?: string; repositoryNames?: string[]; maxResults?: number; nextToken?: string },
): Promise<unknown> {
  checkRegistryId(reg, input.registryId);
  if (input.repositoryNames) {
    if (input.maxResults !== undefined || input.nextToken !== undefined) {
      throw new InvalidParameterException('maxResults and nextToken cannot be used together with repositoryNames');
    }
    const found: RepositoryRecord[] = [];
    for (const name of input.repositoryNames) {
      checkName(name, 'repositoryNames');
      const r = await reg.repositories.get(name);
      if (!r) throw notFound(reg, name);
      found.push(r);
    }
    return { repositories: found.map((r) => repositoryToWire(reg, r)) };
  }
  const { items, nextToken } = page(await reg.repositories.list(), input);
  return { repositories: items.map((r) => repositoryToWire(reg, r)), ...(nextToken ? { nextToken } : {}) };
}

export async function deleteRepository(reg: Registry, input: { registryId?: string; repositoryName: string; force?: boolean }): Promise<unknown> {
  const repo = await findRepository(reg, input);
  if (!input.force && (await reg.repositories.images(repo.repositoryName)).length > 0) {
    throw new RepositoryNotEmptyException(
      `The repository with name '${repo.repositoryName}' in registry with id '${reg.registryId}' cannot be deleted because it still contains images`);
  }
  await reg.repositories.remove(repo.repositoryName);
  return { repository: repositoryToWire(reg, repo) };
}
