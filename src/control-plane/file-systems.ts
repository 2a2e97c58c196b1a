/**
 * File systems in the EFS role: CreateFileSystem, DescribeFileSystems, DeleteFileSystem. A file
 * system here is a record; its data lives on hosts (the agent's PersistentVolumes), created when a
 * task first mounts it. Deletion is refused while a task that is not STOPPED uses it.
 */
import { BadRequest, FileSystemAlreadyExists, FileSystemInUse, FileSystemNotFound } from '../efs/errors.js';
import { validateTags } from '../ecs/task-definition/parse-overrides.js';
import type { FileSystemRecord } from '../store/store.js';
import type { ControlPlane } from './context.js';

type Description = Record<string, unknown>;
const ID = /^fs-[0-9a-f]{8,40}$/;

export const fileSystemArn = (cp: ControlPlane, id: string): string =>
  `arn:${cp.scope.partition}:elasticfilesystem:${cp.scope.region}:${cp.scope.accountId}:file-system/${id}`;

/** "fs-…" or a file-system ARN → the id; BadRequest otherwise. */
export function fileSystemIdOf(text: string): string {
  const id = text.startsWith('arn:') ? text.slice(text.lastIndexOf('/') + 1) : text;
  if (!ID.test(id)) throw new BadRequest(`'${text}' is not a file system id (fs-<8 to 40 hex digits>) or file system ARN.`);
  return id;
}

export interface CreateFileSystemInput {
  CreationToken: string;
  PerformanceMode?: string;
  Encrypted?: boolean;
  KmsKeyId?: string;
  ThroughputMode?: string;
  ProvisionedThroughputInMibps?: number;
  AvailabilityZoneName?: string;
  Backup?: boolean;
  Tags?: { Key: string; Value: string }[];
}

export async function createFileSystem(cp: ControlPlane, input: CreateFileSystemInput): Promise<Description> {
  const tags = validateTags((input.Tags ?? []).map((t) => ({ key: t.Key, value: t.Value })));
  if (input.ThroughputMode === 'provisioned' && input.ProvisionedThroughputInMibps === undefined) {
    throw new BadRequest('ProvisionedThroughputInMibps is required when ThroughputMode is provisioned.');
  }
  if (input.AvailabilityZoneName !== undefined && !cp.config.availabilityZones.includes(input.AvailabilityZoneName)) {
    throw new BadRequest(`AvailabilityZoneName must be one of ${cp.config.availabilityZones.join(', ')}.`);
  }
  const record = await cp.store.transaction(async (tx) => {
    const existing = await tx.fileSystems.getByCreationToken(input.CreationToken);
    if (existing) {
      throw new FileSystemAlreadyExists(`File system '${existing.id}' already exists with creation token '${input.CreationToken}'`, existing.id);
    }
    const id = `fs-${cp.ids.hex32().slice(0, 17)}`;
    const name = tags.find((t) => t.key === 'Name')?.value;
    const r: FileSystemRecord = {
      id,
      creationToken: input.CreationToken,
      createdAt: cp.clock.now(),
      body: {
        OwnerId: cp.scope.accountId,
        CreationToken: input.CreationToken,
        FileSystemId: id,
        FileSystemArn: fileSystemArn(cp, id),
        LifeCycleState: 'available',
        ...(name !== undefined ? { Name: name } : {}),
        NumberOfMountTargets: 0,
        PerformanceMode: input.PerformanceMode ?? 'generalPurpose',
        Encrypted: input.Encrypted ?? false,
        ...(input.KmsKeyId ? { KmsKeyId: input.KmsKeyId } : {}),
        ThroughputMode: input.ThroughputMode ?? 'bursting',
        ...(input.ProvisionedThroughputInMibps !== undefined ? { ProvisionedThroughputInMibps: input.ProvisionedThroughputInMibps } : {}),
        ...(input.AvailabilityZoneName ? { AvailabilityZoneName: input.AvailabilityZoneName } : {}),
        FileSystemProtection: { ReplicationOverwriteProtection: 'ENABLED' },
      },
    };
    await tx.fileSystems.insert(r);
    await tx.tags.put(r.body.FileSystemArn as string, tags);
    return r;
  });
  return describe(cp, record);
}

async function describe(cp: ControlPlane, r: FileSystemRecord): Promise<Description> {
  const tags = await cp.store.read.tags.get(r.body.FileSystemArn as string);
  return {
    ...r.body,
    CreationTime: r.createdAt / 1000,
    // Data lives on hosts; an empty EFS file system reports 6 KiB, and Pier does not meter usage yet.
    SizeInBytes: { Value: 6144, ValueInStandard: 6144, ValueInIA: 0, ValueInArchive: 0 },
    Tags: tags.map((t) => ({ Key: t.key, Value: t.value })),
  };
}

export async function describeFileSystems(cp: ControlPlane, input: {
  MaxItems?: number; Marker?: string; CreationToken?: string; FileSystemId?: string;
}): Promise<{ FileSystems: Description[]; Marker?: string; NextMarker?: string }> {
  if (input.FileSystemId !== undefined) {
    const r = await cp.store.read.fileSystems.get(fileSystemIdOf(input.FileSystemId));
    if (!r) throw new FileSystemNotFound(`File system '${input.FileSystemId}' does not exist.`);
    return { FileSystems: [await describe(cp, r)] };
  }
  if (input.CreationToken !== undefined) {
    const r = await cp.store.read.fileSystems.getByCreationToken(input.CreationToken);
    return { FileSystems: r ? [await describe(cp, r)] : [] };
  }
  const limit = input.MaxItems ?? 100;
  if (!Number.isInteger(limit) || limit < 1) throw new BadRequest('MaxItems must be a positive integer.');
  if (input.Marker !== undefined && !ID.test(input.Marker)) throw new BadRequest('Marker is not valid; pass back the NextMarker of the previous call.');
  const page = await cp.store.read.fileSystems.list({ limit: Math.min(limit, 1000), ...(input.Marker ? { afterId: input.Marker } : {}) });
  const out: { FileSystems: Description[]; Marker?: string; NextMarker?: string } = {
    FileSystems: await Promise.all(page.items.map((r) => describe(cp, r))),
  };
  if (input.Marker) out.Marker = input.Marker;
  if (page.nextKey) out.NextMarker = page.nextKey;
  return out;
}

export async function deleteFileSystem(cp: ControlPlane, input: { FileSystemId: string }): Promise<void> {
  const id = fileSystemIdOf(input.FileSystemId);
  await cp.store.transaction(async (tx) => {
    const r = await tx.fileSystems.get(id);
    if (!r) throw new FileSystemNotFound(`File system '${id}' does not exist.`);
    if (await tx.fileSystems.inUse(id)) {
      throw new FileSystemInUse(`File system '${id}' is mounted by running tasks; stop them before deleting it.`);
    }
    await tx.fileSystems.remove(id);
    await tx.tags.removeAll(r.body.FileSystemArn as string);
  });
}
