/** CPU time of another process from /proc (Linux only; returns undefined elsewhere). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** user+system CPU seconds consumed so far by `pid` (all its threads), or undefined when unreadable. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / clockTicks();
  } catch {
    return undefined;
  }
}

/** user+system CPU seconds of this process (every thread, so worker threads are included). */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** CPU seconds the whole machine has spent busy (all cores, every process, from /proc/stat), or undefined off Linux. */
export function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / clockTicks();
  } catch {
    return undefined;
  }
}

/**
 * Waits until the machine is quiet (busy below `maxBusyPct` of one core over a 1 s sample), at
 * most `maxWaitMs`. Returns the last sample's busy % (of one core), or undefined off Linux.
 * For shared machines: other people's work on the same cores skews a benchmark badly.
 */
export async function waitForQuiet(maxBusyPct: number, maxWaitMs: number): Promise<number | undefined> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const b0 = machineBusySeconds();
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 1000));
    const b1 = machineBusySeconds();
    if (b0 === undefined || b1 === undefined) return undefined;
    const pct = (100 * (b1 - b0)) / ((Date.now() - t0) / 1000);
    if (pct < maxBusyPct || Date.now() >= deadline) return pct;
  }
}
