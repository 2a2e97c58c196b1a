/**
 * Fargate task sizes (fargate-semantics.md 3.3) and the string forms ECS accepts for task-level
 * `cpu` ("1024", "1 vCPU", ".25 vcpu") and `memory` ("2048", "2GB", "0.5 GB").
 */

export type PlatformFamily = 'linux' | 'windows';

interface SizeRow {
  cpu: number;
  memory: readonly number[];
  linuxOnly: boolean;
}

function steps(min: number, max: number, step: number): number[] {
  const values: number[] = [];
  for (let value = min; value <= max; value += step) values.push(value);
  return values;
}

/** One row per CPU value; 256/512 and 8192/16384 are Linux only. 256 has no 1536. */
const SIZE_ROWS: readonly SizeRow[] = [
  { cpu: 256, memory: [512, 1024, 2048], linuxOnly: true },
  { cpu: 512, memory: steps(1024, 4096, 1024), linuxOnly: true },
  { cpu: 1024, memory: steps(2048, 8192, 1024), linuxOnly: false },
  { cpu: 2048, memory: steps(4096, 16384, 1024), linuxOnly: false },
  { cpu: 4096, memory: steps(8192, 30720, 1024), linuxOnly: false },
  { cpu: 8192, memory: steps(16384, 61440, 4096), linuxOnly: true },
  { cpu: 16384, memory: steps(32768, 122880, 8192), linuxOnly: true },
];

/** Every valid (cpu, memory) pair for Linux tasks, memory ascending. */
export const FARGATE_SIZES: readonly { cpu: number; memory: readonly number[] }[] = Object.freeze(
  SIZE_ROWS.map((row) => Object.freeze({ cpu: row.cpu, memory: Object.freeze([...row.memory]) })),
);

function rowsFor(platform: PlatformFamily): readonly SizeRow[] {
  return platform === 'linux' ? SIZE_ROWS : SIZE_ROWS.filter((row) => !row.linuxOnly);
}

function rowFor(cpu: number, platform: PlatformFamily): SizeRow | undefined {
  return rowsFor(platform).find((row) => row.cpu === cpu);
}

export function isValidFargateCpu(cpu: number, platform: PlatformFamily = 'linux'): boolean {
  return rowFor(cpu, platform) !== undefined;
}

export function isValidFargateSize(cpu: number, memory: number, platform: PlatformFamily = 'linux'): boolean {
  return rowFor(cpu, platform)?.memory.includes(memory) ?? false;
}

/** Human-readable list of the memory values allowed with `cpu`, for error messages. */
export function describeValidMemoryFor(cpu: number, platform: PlatformFamily = 'linux'): string {
  const row = rowFor(cpu, platform);
  if (row === undefined) {
    const cpus = rowsFor(platform).map((r) => r.cpu).join(', ');
    return `${cpu} is not a valid Fargate CPU value; valid CPU values are ${cpus}`;
  }
  const values = row.memory;
  const first = values[0];
  const second = values[1];
  const last = values[values.length - 1];
  if (values.length <= 3 || first === undefined || second === undefined || last === undefined) {
    return `valid memory values for ${cpu} CPU are ${values.slice(0, -1).join(', ')} and ${last} MiB`;
  }
  return `valid memory values for ${cpu} CPU are ${first} to ${last} MiB in increments of ${second - first} MiB`;
}

const PLAIN_INTEGER = /^\d+$/;
const DECIMAL = String.raw`(\d+(?:\.\d*)?|\.\d+)`;
const VCPU_FORM = new RegExp(`^${DECIMAL}\\s*vcpu$`, 'i');
const GB_FORM = new RegExp(`^${DECIMAL}\\s*gb$`, 'i');

function parsePlainInteger(text: string): number | undefined {
  if (!PLAIN_INTEGER.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** `amount * 1024` when that is a whole number (".25 vCPU" -> 256, "0.3 vCPU" -> undefined). */
function scaleBy1024(amountText: string): number | undefined {
  const scaled = Number(amountText) * 1024;
  return Number.isSafeInteger(scaled) ? scaled : undefined;
}

function normalizeWithUnit(raw: string, unitForm: RegExp): number | undefined {
  const text = raw.trim();
  const plain = parsePlainInteger(text);
  if (plain !== undefined) return plain;
  const match = unitForm.exec(text);
  return match?.[1] === undefined ? undefined : scaleBy1024(match[1]);
}

/** Task `cpu` string to CPU units: "256", "1 vCPU", "1vcpu", ".25 vcpu", "0.5 vCPU". */
export function normalizeCpu(raw: string): number | undefined {
  return normalizeWithUnit(raw, VCPU_FORM);
}

/** Task `memory` string to MiB: "512", "1GB", "1 GB", "0.5GB". */
export function normalizeMemory(raw: string): number | undefined {
  return normalizeWithUnit(raw, GB_FORM);
}
