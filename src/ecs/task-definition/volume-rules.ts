import { ClientException } from '../errors.js';
import { NAME_PATTERN, MAX_NAME_LENGTH, firstDuplicate, invalidSetting, isNonEmptyString } from './rules-common.js';
import type { Volume } from './types.js';

const VOLUME_SOURCES = [
  'host', 'dockerVolumeConfiguration', 'efsVolumeConfiguration', 's3filesVolumeConfiguration',
  'fsxWindowsFileServerVolumeConfiguration',
] as const;

function volumeLabel(volume: Volume): string {
  return `volume '${volume.name ?? ''}'`;
}

function validateVolumeName(volume: Volume): void {
  const name = volume.name;
  if (!isNonEmptyString(name)) throw new ClientException('Volume.name should not be null or empty.');
  if (!NAME_PATTERN.test(name) || name.length > MAX_NAME_LENGTH) {
    throw new ClientException(
      `Volume.name contains invalid characters. Volume '${name}' may only use up to ${MAX_NAME_LENGTH} letters, numbers, hyphens and underscores.`,
    );
  }
}

function validateSingleSource(volume: Volume): void {
  const sources = VOLUME_SOURCES.filter((source) => volume[source] !== undefined);
  if (sources.length > 1) {
    throw new ClientException(
      `Invalid setting for ${volumeLabel(volume)}. Specify only one of ${VOLUME_SOURCES.join(', ')}; got ${sources.join(' and ')}.`,
    );
  }
}

function validateEfs(volume: Volume): void {
  const efs = volume.efsVolumeConfiguration;
  if (efs === undefined) return;
  const label = volumeLabel(volume);
  if (!isNonEmptyString(efs.fileSystemId)) {
    throw new ClientException(invalidSetting('efsVolumeConfiguration.fileSystemId', label, 'A file system ID is required.'));
  }
  const accessPointId = efs.authorizationConfig?.accessPointId;
  const usesAccessPoint = isNonEmptyString(accessPointId);
  if (usesAccessPoint && efs.rootDirectory !== undefined && efs.rootDirectory !== '/') {
    throw new ClientException(invalidSetting('efsVolumeConfiguration.rootDirectory', label,
      `It must be omitted or '/' when an access point is used; got '${efs.rootDirectory}'.`));
  }
  const usesIam = efs.authorizationConfig?.iam === 'ENABLED';
  if ((usesIam || usesAccessPoint) && efs.transitEncryption !== 'ENABLED') {
    throw new ClientException(invalidSetting('efsVolumeConfiguration.transitEncryption', label,
      'Transit encryption must be ENABLED when IAM authorization or an access point is used.'));
  }
}

/** Volume rules for every launch type; returns the declared volume names. */
export function validateVolumes(volumes: readonly Volume[]): Set<string> {
  for (const volume of volumes) {
    validateVolumeName(volume);
    validateSingleSource(volume);
    validateEfs(volume);
  }
  const names = volumes.map((volume) => volume.name ?? '');
  const duplicate = firstDuplicate(names);
  if (duplicate !== undefined) {
    throw new ClientException(`Volume names must be unique within a Task Definition. Duplicate name: '${duplicate}'.`);
  }
  const configuredAtLaunch = volumes.filter((volume) => volume.configuredAtLaunch === true);
  if (configuredAtLaunch.length > 1) {
    const listed = configuredAtLaunch.map((volume) => `'${volume.name ?? ''}'`).join(', ');
    throw new ClientException(
      `Only one volume in a task definition can be configured at launch; volumes ${listed} set configuredAtLaunch.`,
    );
  }
  return new Set(names);
}

/** The first Fargate-incompatible volume feature, as the error ECS would return. */
export function findFargateVolumeProblem(volumes: readonly Volume[]): ClientException | undefined {
  for (const volume of volumes) {
    if (isNonEmptyString(volume.host?.sourcePath)) {
      return new ClientException(
        `Fargate compatible task definitions do not support sourcePath. Volume '${volume.name ?? ''}' sets host.sourcePath.`,
      );
    }
    if (volume.dockerVolumeConfiguration !== undefined) {
      return new ClientException(
        `Fargate compatible task definitions do not support dockerVolumeConfiguration. Volume '${volume.name ?? ''}' sets it.`,
      );
    }
  }
  return undefined;
}
