/**
 * What every runtime keeps in a sandbox's dir (`SandboxSpec.dir`), so a restarted agent can find
 * and clean up what an earlier one started:
 *
 *   sandbox.json             the SandboxSpec (marks the dir as a sandbox; listSandboxes reads these)
 *   containers/<id>          a symlink to each started container's dir (its shim.pid, exit-code, …)
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxSpec } from './oci-runtime.js';
import { writeFileAtomic } from '../../lib/atomic-file.js';

const RECORD = 'sandbox.json';

export function writeSandboxRecord(spec: SandboxSpec): void {
  mkdirSync(join(spec.dir, 'containers'), { recursive: true });
  writeFileAtomic(join(spec.dir, RECORD), JSON.stringify(spec));
}

export function readSandboxRecord(dir: string): SandboxSpec | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, RECORD), 'utf8')) as SandboxSpec;
  } catch {
    return undefined;
  }
}

/** Ids of the sandbox dirs directly under `stateDir`. */
export function sandboxDirIds(stateDir: string): string[] {
  try {
    return readdirSync(stateDir).filter((name) => readSandboxRecord(join(stateDir, name))?.id === name);
  } catch {
    return [];
  }
}

export function registerContainer(sandboxDir: string, id: string, containerDir: string): void {
  const dir = join(sandboxDir, 'containers');
  mkdirSync(dir, { recursive: true });
  const link = join(dir, id);
  try {
    if (readlinkSync(link) === containerDir) return;
    rmSync(link, { force: true });
  } catch {
    // no link yet
  }
  symlinkSync(containerDir, link);
}

/** Container id → container dir, for every container ever started in the sandbox. */
export function registeredContainers(sandboxDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const dir = join(sandboxDir, 'containers');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const id of names) {
    try {
      if (lstatSync(join(dir, id)).isSymbolicLink()) out.set(id, readlinkSync(join(dir, id)));
    } catch {
      // raced with a removal
    }
  }
  return out;
}
