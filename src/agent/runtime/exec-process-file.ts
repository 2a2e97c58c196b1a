/**
 * runsc gives an exec'd process a terminal only when its process spec asks for one (its `exec`
 * has no --tty, and this build does not look at whether stdin is a terminal). For a terminal
 * session the container's own process spec (user, env, cwd, capabilities, limits) is written with
 * the session's args, extra env and `terminal: true`, for `runsc exec -process FILE`. The files
 * live in the sandbox's dir, which destroySandbox removes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

let written = 0;

export function writeExecProcessFile(sandboxDir: string, containerId: string, argv: readonly string[], env: Readonly<Record<string, string>>): string {
  const config = JSON.parse(readFileSync(join(sandboxDir, 'containers', containerId, 'config.json'), 'utf8')) as { process?: Record<string, unknown> };
  const own = (config.process ?? {}) as { env?: string[] };
  const names = new Set(Object.keys(env));
  const process = {
    ...own,
    terminal: true,
    args: [...argv],
    env: [...(own.env ?? []).filter((e) => !names.has(e.slice(0, e.indexOf('=')))), ...Object.entries(env).map(([k, v]) => `${k}=${v}`)],
  };
  const dir = join(sandboxDir, 'exec');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${containerId}-${globalThis.process.pid}-${++written}.json`);
  writeFileSync(file, JSON.stringify(process));
  return file;
}
