/**
 * Cost arithmetic, exact: prices are whole nano-dollars per hour and usage is whole resource ×
 * milliseconds, so a task's cost is an exact fraction that is rounded once, half up, to whole
 * micro-dollars (1e-6 USD). Totals are sums of those rounded per-task figures, so a report's
 * totals always equal the sum of its lines.
 */
import type { Rates } from './prices.js';
import type { Usage } from './usage.js';

/** ms per hour × 1024 (CPU units per vCPU, MiB per GiB) × 1000 (nano- to micro-dollars). */
const DENOMINATOR = 3_600_000n * 1024n * 1000n;

export function costMicroUsd(u: Usage, r: Rates): bigint {
  const numerator = BigInt(u.cpuUnitMs) * r.vcpuHour
    + BigInt(u.memoryMiBMs) * r.gbHour
    + BigInt(u.storageGiBMs) * 1024n * r.ephemeralStorageGbHour;
  return (numerator * 2n + DENOMINATOR) / (DENOMINATOR * 2n);
}

/** Micro-dollars as a dollar amount with six decimals ("0.012345"). */
export function formatUsd(micro: bigint): string {
  const sign = micro < 0n ? '-' : '';
  const abs = micro < 0n ? -micro : micro;
  return `${sign}${abs / 1_000_000n}.${(abs % 1_000_000n).toString().padStart(6, '0')}`;
}
