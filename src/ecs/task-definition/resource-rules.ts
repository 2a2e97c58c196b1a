import { ClientException, InvalidParameterException } from '../errors.js';
import { isValidFargateCpu, isValidFargateSize, normalizeCpu, normalizeMemory, type PlatformFamily } from './fargate-sizes.js';
import { containerLabel, invalidSetting } from './rules-common.js';

/** Task-level CPU range ECS accepts outside Fargate (0.125 to 192 vCPU). */
export const EC2_TASK_CPU = { min: 128, max: 196608 } as const;
export const EPHEMERAL_STORAGE_GIB = { min: 21, max: 200, default: 20 } as const;

export interface ContainerResources {
  name?: string;
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
}

/** Parses a task `cpu` string ("1024", "1 vCPU"); an unreadable value is a parameter-format error. */
export function parseTaskCpu(raw: string, subject = 'task'): number {
  const units = normalizeCpu(raw);
  if (units === undefined) {
    throw new InvalidParameterException(invalidSetting('cpu', subject,
      `Expected CPU units such as '1024' or vCPUs such as '1 vCPU'; got '${raw}'.`));
  }
  return units;
}

/** Parses a task `memory` string ("2048", "2GB"); an unreadable value is a parameter-format error. */
export function parseTaskMemory(raw: string, subject = 'task'): number {
  const mib = normalizeMemory(raw);
  if (mib === undefined) {
    throw new InvalidParameterException(invalidSetting('memory', subject,
      `Expected MiB such as '2048' or GB such as '2GB'; got '${raw}'.`));
  }
  return mib;
}

/** Range checks that hold whatever the launch type. */
export function validateTaskSizeRange(cpu: number | undefined, memory: number | undefined): void {
  if (cpu !== undefined && (cpu < EC2_TASK_CPU.min || cpu > EC2_TASK_CPU.max)) {
    throw new ClientException(
      `Invalid 'cpu' setting for task. Task CPU must be between ${EC2_TASK_CPU.min} and ${EC2_TASK_CPU.max} units; got ${cpu}.`,
    );
  }
  if (memory !== undefined && memory < 1) {
    throw new ClientException(`Invalid 'memory' setting for task. Task memory must be a positive number of MiB; got ${memory}.`);
  }
}

export function validateEphemeralStorage(
  sizeInGiB: number | undefined,
  subject = 'task',
  ErrorType: new (message: string) => Error = ClientException,
): void {
  const { min, max } = EPHEMERAL_STORAGE_GIB;
  if (sizeInGiB === undefined || (Number.isInteger(sizeInGiB) && sizeInGiB >= min && sizeInGiB <= max)) return;
  throw new ErrorType(invalidSetting('ephemeralStorage.sizeInGiB', subject,
    `The value must be between ${min} and ${max} GiB; got ${sizeInGiB}.`));
}

/** The ECS error for a cpu/memory pair that Fargate cannot run, if it is one. */
export function findFargateSizeProblem(
  cpu: number | undefined,
  memory: number | undefined,
  platform: PlatformFamily,
): ClientException | undefined {
  if (cpu === undefined) return new ClientException("Fargate requires that 'cpu' be defined at the task level.");
  if (memory === undefined) return new ClientException("Fargate requires that 'memory' be defined at the task level.");
  if (!isValidFargateCpu(cpu, platform)) return new ClientException("Invalid 'cpu' setting for task.");
  if (!isValidFargateSize(cpu, memory, platform)) {
    return new ClientException(
      `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`,
    );
  }
  return undefined;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function validateCpuFits(containers: readonly ContainerResources[], taskCpu: number): void {
  const reserved = sum(containers.map((c) => c.cpu ?? 0));
  if (reserved > taskCpu) {
    throw new ClientException(
      "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'. " +
        `The containers reserve ${reserved} CPU units; the task has ${taskCpu}.`,
    );
  }
}

function validateMemoryFits(containers: readonly ContainerResources[], taskMemory: number): void {
  for (const container of containers) {
    for (const field of ['memory', 'memoryReservation'] as const) {
      const value = container[field];
      if (value !== undefined && value > taskMemory) {
        throw new ClientException(
          `The '${field}' setting for ${containerLabel(container.name)} is greater than for the task (${value} MiB > ${taskMemory} MiB).`,
        );
      }
    }
  }
  // A container reserves its soft limit when it has one, else its hard limit.
  const reserved = sum(containers.map((c) => c.memoryReservation ?? c.memory ?? 0));
  if (reserved > taskMemory) {
    const field = containers.some((c) => c.memoryReservation !== undefined) ? 'memoryReservation' : 'memory';
    throw new ClientException(
      `The sum of all container '${field}' values cannot be greater than the value of the task 'memory'. ` +
        `The containers reserve ${reserved} MiB; the task has ${taskMemory} MiB.`,
    );
  }
}

/** Container reservations must fit inside the task-level cpu and memory, where those are set. */
export function validateContainersFitTask(
  containers: readonly ContainerResources[],
  task: { cpu: number | undefined; memory: number | undefined },
): void {
  if (task.cpu !== undefined) validateCpuFits(containers, task.cpu);
  if (task.memory !== undefined) validateMemoryFits(containers, task.memory);
}

/** Without task-level memory (EC2), every container must say how much memory it needs. */
export function validateContainerMemoryDeclared(containers: readonly ContainerResources[]): void {
  for (const container of containers) {
    if (container.memory === undefined && container.memoryReservation === undefined) {
      throw new ClientException(
        `Invalid setting for ${containerLabel(container.name)}. At least one of 'memory' or 'memoryReservation' must be specified.`,
      );
    }
  }
}
