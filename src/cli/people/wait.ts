/** Waiting on tasks with progress a person can follow: each change of a task's status is a line. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PierClient } from '../client/pier-client.js';
import { describeTasks, taskAddress, taskId } from './ecs-reads.js';
import type { Output } from './terminal.js';


/**
 * Polls until every task is RUNNING (resolves with them) or one has STOPPED (rejects with its
 * reason), reporting each task's status changes; rejects after `timeoutMs`.
 */
export async function untilRunning(c: PierClient, cluster: string, arns: readonly string[], out: Output, timeoutMs: number): Promise<any[]> {
  const seen = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tasks = await describeTasks(c, cluster, arns);
    for (const t of tasks) {
      const status = `${t.lastStatus}${t.lastStatus === 'RUNNING' && taskAddress(t) ? ` at ${taskAddress(t)}` : ''}`;
      if (seen.get(t.taskArn) !== status) {
        seen.set(t.taskArn, status);
        out.progress(`task ${taskId(t.taskArn)}: ${status}`);
      }
    }
    const stopped = tasks.find((t) => t.lastStatus === 'STOPPED' || t.desiredStatus === 'STOPPED');
    if (stopped) {
      const exits = (stopped.containers ?? []).filter((k: any) => k.exitCode !== undefined || k.reason).map((k: any) => `${k.name}: ${k.reason ?? `exit code ${k.exitCode}`}`);
      throw new Error(`task ${taskId(stopped.taskArn)} stopped: ${stopped.stoppedReason ?? stopped.stopCode ?? 'no reason given'}${exits.length ? ` (${exits.join('; ')})` : ''}`);
    }
    if (tasks.length === arns.length && tasks.every((t) => t.lastStatus === 'RUNNING')) return tasks;
    if (Date.now() > deadline) throw new Error(`tasks not RUNNING after ${Math.round(timeoutMs / 1000)} s; 'pier ps' shows where they are`);
    await sleep(500);
  }
}
