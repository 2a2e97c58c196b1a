/**
 * runc applies rlimits with setrlimit in the container's init, so it cannot raise a hard limit
 * above the agent's own unless it holds CAP_SYS_RESOURCE (some hosts drop it: here the hard nofile
 * limit is 20000 and Fargate's default is 65535). Rather than fail every container, requested
 * limits are clamped to what the host allows. gVisor emulates rlimits in its own kernel and needs
 * no clamping.
 */
import { readFileSync } from 'node:fs';
import type { OciRlimit } from './spec.js';

const NAMES: Record<string, string> = {
  'Max cpu time': 'RLIMIT_CPU', 'Max file size': 'RLIMIT_FSIZE', 'Max data size': 'RLIMIT_DATA',
  'Max stack size': 'RLIMIT_STACK', 'Max core file size': 'RLIMIT_CORE', 'Max resident set': 'RLIMIT_RSS',
  'Max processes': 'RLIMIT_NPROC', 'Max open files': 'RLIMIT_NOFILE', 'Max locked memory': 'RLIMIT_MEMLOCK',
  'Max address space': 'RLIMIT_AS', 'Max file locks': 'RLIMIT_LOCKS', 'Max pending signals': 'RLIMIT_SIGPENDING',
  'Max msgqueue size': 'RLIMIT_MSGQUEUE', 'Max nice priority': 'RLIMIT_NICE', 'Max realtime priority': 'RLIMIT_RTPRIO',
  'Max realtime timeout': 'RLIMIT_RTTIME',
};

const CAP_SYS_RESOURCE = 24n;

/** Hard limits of this process by RLIMIT_* name (unlimited: Infinity), from /proc/self/limits text. */
export function parseHardLimits(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n').slice(1)) {
    const name = Object.keys(NAMES).find((n) => line.startsWith(n));
    if (!name) continue;
    const [, hard] = line.slice(name.length).trim().split(/\s+/);
    out.set(NAMES[name]!, hard === 'unlimited' ? Infinity : Number(hard));
  }
  return out;
}

export function hasCapSysResource(statusText: string): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(statusText);
  return m ? ((BigInt(`0x${m[1]}`) >> CAP_SYS_RESOURCE) & 1n) === 1n : true;
}

/** Rlimits lowered to the host's hard limits when this process cannot raise them. Pure given the two texts. */
export function clampRlimits(rlimits: readonly OciRlimit[], limitsText: string, statusText: string): OciRlimit[] {
  if (hasCapSysResource(statusText)) return [...rlimits];
  const hard = parseHardLimits(limitsText);
  return rlimits.map((r) => {
    const max = hard.get(r.type);
    return max === undefined || r.hard <= max ? r : { ...r, hard: max, soft: Math.min(r.soft, max) };
  });
}

export function clampRlimitsToHost(rlimits: readonly OciRlimit[]): OciRlimit[] {
  try {
    return clampRlimits(rlimits, readFileSync('/proc/self/limits', 'utf8'), readFileSync('/proc/self/status', 'utf8'));
  } catch {
    return [...rlimits];
  }
}
