/**
 * Named network namespaces (`ip netns`): the placeholder for a task's ENI. A namespace made here
 * has only loopback, up; the VPC work adds the veth and address. Both calls are idempotent, so an
 * agent that crashed half-way can simply run them again.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, runCommandOk } from './exec.js';

/** Where `ip netns` keeps its bind mounts (iproute2's NETNS_RUN_DIR). */
export const NETNS_DIR = '/var/run/netns';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function checkName(name: string): void {
  if (!NAME.test(name)) throw new TypeError(`invalid network namespace name '${name}'`);
}

export function netnsPath(name: string): string {
  checkName(name);
  return join(NETNS_DIR, name);
}

/** The `ip netns` name of a path under NETNS_DIR (or /run/netns), else undefined. */
export function netnsNameOf(path: string): string | undefined {
  const m = /^(?:\/var)?\/run\/netns\/([^/]+)$/.exec(path);
  return m && NAME.test(m[1]!) ? m[1] : undefined;
}

export function netnsExists(name: string): boolean {
  return existsSync(netnsPath(name));
}

/** Creates the namespace (if missing) with loopback up (unless the caller brings it up itself); returns its path. */
export async function createNetns(name: string, opts: { loopbackUp?: boolean } = {}): Promise<string> {
  const path = netnsPath(name);
  if (!existsSync(path)) {
    const r = await runCommand(['ip', 'netns', 'add', name]);
    // Lost a race with another creator: fine, as long as it exists now.
    if (r.status !== 0 && !existsSync(path)) await runCommandOk(['ip', 'netns', 'add', name]);
  }
  if (opts.loopbackUp !== false) await runCommandOk(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  return path;
}

/** Deletes the namespace; a missing one is not an error. */
export async function deleteNetns(name: string): Promise<void> {
  if (!existsSync(netnsPath(name))) return;
  const r = await runCommand(['ip', 'netns', 'del', name]);
  if (r.status !== 0 && existsSync(netnsPath(name))) await runCommandOk(['ip', 'netns', 'del', name]);
}

/** Names of the namespaces that start with `prefix` (all when empty). */
export function listNetns(prefix = ''): string[] {
  try {
    return readdirSync(NETNS_DIR).filter((n) => n.startsWith(prefix) && NAME.test(n)).sort();
  } catch {
    return [];
  }
}
