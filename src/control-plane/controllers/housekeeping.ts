/**
 * Periodic controllers that converge state nobody asks for explicitly: lost hosts and their tasks,
 * STOPPED tasks past retention, task definitions whose deletion can complete, and load-balancer
 * targets whose deregistration delay is over. Each pass is
 * idempotent; a pass that fails is logged and the next one retries.
 */
import { coerceError } from '../../lib/errors.js';
import { findLostHosts, lostHostReason } from '../../scheduler/lost-hosts.js';
import { stopOnLostHost } from '../../scheduler/task-lifecycle.js';
import type { HostRecord } from '../../store/store.js';
import type { ControlPlane } from '../context.js';
import { releaseIfStopped } from '../task-networking.js';
import { removeDrainedTargets } from '../../elbv2/targets.js';

export async function markLostHosts(cp: ControlPlane): Promise<string[]> {
  const now = cp.clock.now();
  const sinceStart = (h: HostRecord): HostRecord => ({ ...h, lastHeartbeatAt: Math.max(h.lastHeartbeatAt, cp.config.startedAtMs) });
  const lost = findLostHosts((await cp.store.read.hosts.list()).map(sinceStart), now, cp.config.hostLostAfterMs);
  for (const hostId of lost) {
    const released = await cp.store.transaction(async (tx) => {
      let any = false;
      const host = await tx.hosts.get(hostId);
      // Re-check inside the transaction: a heartbeat may have arrived since the read.
      if (!host || findLostHosts([sinceStart(host)], now, cp.config.hostLostAfterMs).length === 0) return false;
      await tx.hosts.put({ ...host, status: 'LOST', version: host.version + 1 }, host.version);
      for (const rec of await tx.tasks.onHost(hostId)) {
        const { task } = stopOnLostHost(rec.task, lostHostReason(hostId, cp.config.hostLostAfterMs), now);
        await tx.tasks.update({ ...rec, task }, rec.task.version);
        if (await releaseIfStopped(tx, rec, { ...rec, task })) any = true;
      }
      return any;
    });
    // Their addresses left their security groups: other hosts' policies change.
    if (released) cp.hostSignals.signalAll();
    cp.log.warn('host lost; its tasks were stopped', { hostId });
  }
  return lost;
}

export async function purgeStoppedTasks(cp: ControlPlane): Promise<number> {
  return cp.store.transaction((tx) => tx.tasks.purgeStopped(cp.clock.now() - cp.config.stoppedTaskRetentionMs));
}

export async function finishTaskDefinitionDeletes(cp: ControlPlane): Promise<number> {
  return cp.store.transaction(async (tx) => {
    let removed = 0;
    let afterKey: string | undefined;
    do {
      const page = await tx.taskDefinitions.list({ status: 'DELETE_IN_PROGRESS', sort: 'ASC', limit: 100, ...(afterKey ? { afterKey } : {}) });
      for (const r of page.items) {
        if (await tx.taskDefinitions.inUse(r.arn)) continue;
        await tx.taskDefinitions.remove(r.family, r.revision);
        await tx.tags.removeAll(r.arn);
        removed += 1;
      }
      afterKey = page.nextKey;
    } while (afterKey);
    return removed;
  });
}

/** Runs every housekeeping pass each `intervalMs` until `signal` aborts. */
export function startHousekeeping(cp: ControlPlane, intervalMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let running = false;
    const tick = async (): Promise<void> => {
      if (running) return;
      running = true;
      for (const pass of [markLostHosts, purgeStoppedTasks, finishTaskDefinitionDeletes, removeDrainedTargets]) {
        try {
          await pass(cp);
        } catch (err) {
          cp.log.error('housekeeping pass failed', { pass: pass.name, error: coerceError(err).message });
        }
      }
      running = false;
    };
    const timer = setInterval(() => void tick(), intervalMs);
    signal.addEventListener('abort', () => {
      clearInterval(timer);
      resolve();
    }, { once: true });
  });
}
