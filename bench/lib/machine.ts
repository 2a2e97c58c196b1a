/** What the benchmark ran on: printed with every result, because the numbers mean nothing without it. */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kernel: string;
}

export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1]!.trim();
  } catch {
    // not Linux: os.cpus() is good enough
  }
  return {
    nproc: availableParallelism(),
    cpuModel,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: `${process.platform} ${release()}`,
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.nproc} CPU(s) (nproc), ${m.cpuModel}, ${m.memoryGiB} GiB RAM, node ${m.node}, ${m.kernel}`;
}
