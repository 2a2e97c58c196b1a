/**
 * Which facts a report meters each task by: a stopped task's from the usage ledger (kept after
 * the task is purged, so a report says the same before and after), a task still running from its
 * task record (charged up to now). A stopped task not in the ledger yet is taken from its record.
 */
import type { MeteredTask } from './usage.js';

/** Ledger entries plus the held tasks the ledger does not cover, by cluster then task ARN. */
export function meteredHistory(held: readonly MeteredTask[], ledger: readonly MeteredTask[]): MeteredTask[] {
  const byArn = new Map<string, MeteredTask>();
  for (const t of held) byArn.set(t.taskArn, t);
  for (const t of ledger) byArn.set(t.taskArn, t);
  const key = (t: MeteredTask): string => `${t.cluster}\0${t.taskArn}`;
  return [...byArn.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
