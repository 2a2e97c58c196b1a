/**
 * `pier agent` options (also used by the agent inside `pier up`), compiled to a full object.
 * Capacity defaults come from the machine minus a reserve for the host itself; flags override
 * them (benchmarks and dense hosts overcommit on purpose).
 */
import { cpus, freemem, hostname, totalmem } from 'node:os';
import { statfsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { HostCapacity } from '../protocol/agent.js';

export interface AgentFlags {
  dataDir: string;
  availabilityZone?: string;
  runtime?: string;
  cpu?: number;
  memory?: number;
  disk?: number;
  diskOvercommit?: number;
  registryConfig?: string;
  insecureRegistries?: string[];
  imageCacheBudgetGiB?: number;
  /** Run load balancers' listeners (HAProxy) on this host; default on. */
  loadBalancer?: boolean;
}

export interface CompiledAgentOptions {
  dataDir: string;
  stateDir: string;
  tasksDir: string;
  runtimeDir: string;
  imagesDir: string;
  volumesDir: string;
  availabilityZone: string;
  runtime: 'runsc' | 'runc';
  capacity: HostCapacity;
  hostname: string;
  registryConfig: string | undefined;
  insecureRegistries: string[];
  imageCacheBudgetBytes: number;
  loadBalancer: boolean;
}

/** CPU units and MiB kept for the host: the agent, the control plane in `pier up`, the kernel. */
export const RESERVE = { cpu: 256, memoryMiB: 1024, memoryFraction: 0.1, diskFraction: 0.1 };

export class AgentOptionsError extends Error {}

export function compileAgentOptions(f: AgentFlags, defaultZone: string): CompiledAgentOptions {
  const runtime = f.runtime ?? 'runsc';
  if (runtime !== 'runsc' && runtime !== 'runc') throw new AgentOptionsError(`--runtime must be runsc or runc, got '${runtime}'`);
  const agentDir = join(f.dataDir, 'agent');
  mkdirSync(agentDir, { recursive: true });
  const totalMiB = Math.floor(totalmem() / 2 ** 20);
  const reserveMiB = Math.max(RESERVE.memoryMiB, Math.floor(totalMiB * RESERVE.memoryFraction));
  const fs = statfsSync(agentDir);
  const freeGiB = Math.floor((fs.bavail * fs.bsize) / 2 ** 30);
  // Task disks are sparse images: a task uses host disk only for what it writes.
  const overcommit = f.diskOvercommit ?? 10;
  for (const [name, v] of Object.entries({ cpu: f.cpu, memory: f.memory, disk: f.disk, 'disk-overcommit': f.diskOvercommit })) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new AgentOptionsError(`--${name} must be a non-negative integer`);
  }
  return {
    dataDir: f.dataDir,
    stateDir: agentDir,
    tasksDir: join(agentDir, 'tasks'),
    runtimeDir: join(agentDir, 'sandboxes'),
    imagesDir: join(agentDir, 'images'),
    volumesDir: join(agentDir, 'volumes'),
    availabilityZone: f.availabilityZone ?? defaultZone,
    runtime,
    capacity: {
      cpu: f.cpu ?? Math.max(0, cpus().length * 1024 - RESERVE.cpu),
      memory: f.memory ?? Math.max(0, totalMiB - reserveMiB),
      ephemeralStorageGiB: f.disk ?? Math.max(0, Math.floor(freeGiB * (1 - RESERVE.diskFraction)) * overcommit),
    },
    hostname: hostname(),
    registryConfig: f.registryConfig,
    insecureRegistries: f.insecureRegistries ?? [],
    imageCacheBudgetBytes: (f.imageCacheBudgetGiB ?? 20) * 2 ** 30,
    loadBalancer: f.loadBalancer ?? true,
  };
}

/** Free memory right now, for the log line at start-up. */
export const freeMemoryMiB = (): number => Math.floor(freemem() / 2 ** 20);
