/**
 * What the agent remembers about each task on disk, so a restarted agent can adopt running
 * tasks, report exits that happened while it was down, and finish stops and clean-ups it had
 * begun. One JSON file per task, written atomically (temp file + rename).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StopCode, TaskStatus } from '../../ecs/enums.js';
import type { Assignment } from '../../protocol/agent.js';
import { writeFileAtomic } from '../../lib/atomic-file.js';

export type RunnerPhase = 'preparing' | 'running' | 'stopping' | 'cleaning' | 'done';

export interface LocalContainer {
  name: string;
  /** `<taskId>-<index>`, the ECS runtimeId and the runtime's container id. */
  runtimeId: string;
  dir: string;
  phase: 'waiting' | 'running' | 'exited' | 'never-started';
  essential: boolean;
  exitCode?: number;
  reason?: string;
  imageDigest?: string;
  startedAtMs?: number;
  restartCount: number;
}

export interface LocalTaskState {
  taskArn: string;
  taskId: string;
  assignment: Assignment;
  phase: RunnerPhase;
  /** The last lastStatus the control plane accepted from us. */
  reported?: TaskStatus;
  startedAtMs: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  containers: LocalContainer[];
  stop?: { stopCode: StopCode; reason: string };
}

export class TaskStateStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  taskDir(taskId: string): string {
    return join(this.dir, taskId);
  }

  save(state: LocalTaskState): void {
    const dir = this.taskDir(state.taskId);
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, 'task.json'), JSON.stringify(state));
  }

  load(taskId: string): LocalTaskState | undefined {
    try {
      return JSON.parse(readFileSync(join(this.taskDir(taskId), 'task.json'), 'utf8')) as LocalTaskState;
    } catch {
      return undefined;
    }
  }

  list(): string[] {
    try {
      return readdirSync(this.dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      return [];
    }
  }

  remove(taskId: string): void {
    rmSync(this.taskDir(taskId), { recursive: true, force: true });
  }
}
