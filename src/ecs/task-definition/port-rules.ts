import { ClientException } from '../errors.js';
import { containerLabel, invalidSetting, isOutsideRange } from './rules-common.js';
import type { ContainerDefinition, NetworkMode, PortMapping } from './types.js';

const PORT_RANGE_FORM = /^(\d+)-(\d+)$/;
const MAX_PORT = 65535;

/** Network modes where the container port is the host port (no NAT). */
function mapsPortsOneToOne(networkMode: NetworkMode): boolean {
  return networkMode === 'awsvpc' || networkMode === 'host';
}

function validatePortRange(mapping: PortMapping, range: string, name: string | undefined, networkMode: NetworkMode): void {
  const label = containerLabel(name);
  const match = PORT_RANGE_FORM.exec(range);
  const first = Number(match?.[1]);
  const last = Number(match?.[2]);
  if (match === null || first < 1 || last > MAX_PORT || first >= last) {
    throw new ClientException(invalidSetting('containerPortRange', label,
      `Expected 'first-last' with 1 <= first < last <= ${MAX_PORT}; got '${range}'.`));
  }
  if (mapping.containerPort !== undefined || mapping.hostPort !== undefined) {
    throw new ClientException(invalidSetting('containerPortRange', label,
      'Specify either containerPort or containerPortRange, and leave hostPort empty when using a range.'));
  }
  if (networkMode !== 'awsvpc' && networkMode !== 'bridge') {
    throw new ClientException(invalidSetting('containerPortRange', label,
      `Port ranges need networkMode awsvpc or bridge; the task uses '${networkMode}'.`));
  }
}

function validateSinglePort(mapping: PortMapping, name: string | undefined, networkMode: NetworkMode): void {
  const label = containerLabel(name);
  const { containerPort, hostPort } = mapping;
  if (containerPort === undefined || isOutsideRange(containerPort, 0, MAX_PORT)) {
    const got = containerPort === undefined ? 'it is missing' : `got ${containerPort}`;
    throw new ClientException(invalidSetting('containerPort', label, `It must be between 0 and ${MAX_PORT}; ${got}.`));
  }
  if (isOutsideRange(hostPort, 0, MAX_PORT)) {
    throw new ClientException(invalidSetting('hostPort', label, `It must be between 0 and ${MAX_PORT}; got ${hostPort}.`));
  }
  // 0 means "unset" to ECS, which then fills in the container port.
  if (mapsPortsOneToOne(networkMode) && hostPort !== undefined && hostPort !== 0 && hostPort !== containerPort) {
    throw new ClientException(
      `When networkMode=${networkMode}, the host ports and container ports in port mappings must match. ` +
        `Container '${name ?? ''}' maps containerPort ${containerPort} to hostPort ${hostPort}.`,
    );
  }
}

/** Per-mapping rules for one container. */
export function validatePortMappings(container: ContainerDefinition, networkMode: NetworkMode): void {
  const mappings = container.portMappings ?? [];
  if (mappings.length > 0 && networkMode === 'none') {
    throw new ClientException(
      `Port mappings are not supported when networkMode=none. Container '${container.name ?? ''}' declares portMappings.`,
    );
  }
  for (const mapping of mappings) {
    if (mapping.containerPortRange !== undefined) {
      validatePortRange(mapping, mapping.containerPortRange, container.name, networkMode);
    } else {
      validateSinglePort(mapping, container.name, networkMode);
    }
  }
}

function protocolOf(mapping: PortMapping): string {
  return mapping.protocol ?? 'tcp';
}

function duplicatePortError(protocol: string, port: number): ClientException {
  return new ClientException(`${protocol.toUpperCase()} host port '${port}' is mapped multiple times in task.`);
}

/**
 * With awsvpc/host every container shares the task's network namespace, so a containerPort +
 * protocol pair may appear only once in the whole task. With bridge, explicit host ports must be
 * unique in the task and container ports unique per container.
 */
export function validateTaskPortUniqueness(containers: readonly ContainerDefinition[], networkMode: NetworkMode): void {
  const taskPorts = new Set<string>();
  for (const container of containers) {
    const containerPorts = new Set<string>();
    for (const mapping of container.portMappings ?? []) {
      if (mapping.containerPort === undefined) continue;
      const protocol = protocolOf(mapping);
      const containerKey = `${protocol}/${mapping.containerPort}`;
      if (containerPorts.has(containerKey)) {
        throw new ClientException(invalidSetting('portMappings', containerLabel(container.name),
          `containerPort ${mapping.containerPort}/${protocol} is mapped more than once.`));
      }
      containerPorts.add(containerKey);
      const hostPort = mapsPortsOneToOne(networkMode) ? mapping.containerPort : mapping.hostPort;
      if (hostPort === undefined || hostPort === 0) continue;
      const hostKey = `${protocol}/${hostPort}`;
      if (taskPorts.has(hostKey)) throw duplicatePortError(protocol, hostPort);
      taskPorts.add(hostKey);
    }
  }
}

/** The mapping as ECS shows it: protocol defaults to tcp; awsvpc/host fill hostPort from containerPort. */
export function withPortMappingDefaults(mapping: PortMapping, networkMode: NetworkMode): PortMapping {
  const filled: PortMapping = {};
  if (mapping.containerPort !== undefined) filled.containerPort = mapping.containerPort;
  const hostPort = mapsPortsOneToOne(networkMode) && mapping.containerPortRange === undefined
    ? mapping.containerPort
    : mapping.hostPort;
  if (hostPort !== undefined) filled.hostPort = hostPort;
  filled.protocol = mapping.protocol ?? 'tcp';
  if (mapping.name !== undefined) filled.name = mapping.name;
  if (mapping.appProtocol !== undefined) filled.appProtocol = mapping.appProtocol;
  if (mapping.containerPortRange !== undefined) filled.containerPortRange = mapping.containerPortRange;
  return filled;
}
