/**
 * Named network namespaces (`ip netns`): the placeholder for a task's ENI. A namespace made here
 * has only loopback, up; the VPC work adds the veth and address. Both calls are idempotent, so an
 * agent that crashed half-way can simply run them again.
 *
 * A name may also be an alias: a symlink in the same directory to another namespace's name (a
 * namespace made ahead, see network/spare-netns.ts). Opening the path reaches the namespace either
 * way; deleting an alias deletes the namespace it names.
 */
import { existsSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
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

/** Makes `name` an alias of the namespace `target` (throws EEXIST when the name is taken). */
export function aliasNetns(name: string, target: string): void {
  checkName(target);
  const path = netnsPath(name);
  // An alias left pointing at nothing (its namespace deleted, the agent gone before the alias) is replaced.
  if (aliasTarget(name) !== undefined && !existsSync(path)) rmSync(path, { force: true });
  symlinkSync(target, path);
}

/** The name an alias points to; undefined when `name` is no alias. */
function aliasTarget(name: string): string | undefined {
  try {
    return readlinkSync(netnsPath(name));
  } catch {
    return undefined;
  }
}

/** The aliases among the names that start with `prefix`, and the names they point to. */
export function netnsAliases(prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of listNetns(prefix)) {
    const target = aliasTarget(name);
    if (target !== undefined) out.set(name, target);
  }
  return out;
}

/** Deletes the namespace (an alias: the namespace it names, then the alias); a missing one is not an error. */
export async function deleteNetns(name: string): Promise<void> {
  const target = aliasTarget(name);
  if (target !== undefined) {
    if (NAME.test(target)) await deleteNetns(target);
    rmSync(netnsPath(name), { force: true });
    return;
  }
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
