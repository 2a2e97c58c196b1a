/** Process trees and their memory, from /proc: what the density and runtime benchmarks measure. */
import { readdirSync, readFileSync } from 'node:fs';

/** PSS and anonymous PSS (KiB) of a pid from /proc/<pid>/smaps_rollup; zeros when it is gone. */
export function pss(pid: number): { pss: number; anon: number } {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? 0);
    return { pss: field('Pss'), anon: field('Pss_Anon') };
  } catch {
    return { pss: 0, anon: 0 };
  }
}

export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      out.push(...readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

/** The pid and all its descendants. */
export function tree(pid: number): number[] {
  return [pid, ...childrenOf(pid).flatMap(tree)];
}
