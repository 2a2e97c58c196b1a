/**
 * Where one task launch spends its time, as the agent saw it: named marks in ms after the runner
 * took the assignment, plus the time its event loop spent inside process creation meanwhile. The
 * runner writes it once, next to the task's state, when it reports RUNNING (`launch-trace.json`);
 * bench/agent-tasks.ts reads it. Costs a few `performance.now()` calls and one small file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recentCommands, spawnStats, type CommandTiming } from '../host/exec.js';

export const LAUNCH_TRACE_FILE = 'launch-trace.json';

export interface LaunchTraceJson {
  /** Epoch ms of the runner taking the assignment (mark 0). */
  startedAtMs: number;
  /** ms after startedAtMs, first occurrence of each mark. */
  marks: Record<string, number>;
  /** Processes the agent started meanwhile (any task), and the ms its event loop was blocked starting them. */
  spawns: number;
  spawnBlockedMs: number;
  /** Commands (any task's) asked for during the launch: askedAt in ms after startedAtMs. */
  commands: CommandTiming[];
}

export class LaunchTrace {
  private readonly t0 = performance.now();
  private readonly spawns0 = spawnStats();
  private readonly marks: Record<string, number> = {};
  private written = false;

  mark(name: string): void {
    this.marks[name] ??= round(performance.now() - this.t0);
  }

  /** Writes the trace into `dir` once; later calls do nothing. Never throws. */
  writeOnce(dir: string): void {
    if (this.written) return;
    this.written = true;
    const s = spawnStats();
    const json: LaunchTraceJson = {
      startedAtMs: performance.timeOrigin + this.t0,
      marks: this.marks,
      spawns: s.count - this.spawns0.count,
      spawnBlockedMs: Math.round((s.blockedMs - this.spawns0.blockedMs) * 100) / 100,
      commands: recentCommands().filter((c) => c.askedAt >= this.t0).map((c) => ({
        command: c.command, askedAt: round(c.askedAt - this.t0), ranMs: round(c.ranMs), waitedMs: round(c.waitedMs),
      })),
    };
    try {
      writeFileSync(join(dir, LAUNCH_TRACE_FILE), JSON.stringify(json));
    } catch {
      // the task dir may be gone already (stopped during the launch): the trace is only informative
    }
  }
}

const round = (ms: number): number => Math.round(ms * 100) / 100;
