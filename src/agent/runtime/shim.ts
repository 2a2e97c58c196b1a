/**
 * The per-container shim: a detached `/bin/sh` (not node: a shell costs well under 1 MiB) that
 * runs the runtime's foreground command (`runsc run`, `runc run`) with the container's stdout and
 * stderr on files, and when that command returns records the result in the container dir:
 *
 *   shim.pid     the shim's pid (written atomically by whoever started it, before anyone is told)
 *   oom-killed   present when the OOM killer acted (see below)
 *   exit-code    the exit status, written atomically (tmp + rename) and last
 *
 * The shim is its own session (setsid) and nothing of it is tied to the agent, so SIGKILLing the
 * agent leaves the container running and its exit status still lands in `exit-code`.
 *
 * OOM: the shim reads the `oom_kill` counters of the container's memory cgroup (any kill there
 * counts, as Docker's OOMKilled) and of the task's (counts only when the container died with 137,
 * since the task cgroup is shared). A runsc sandbox that dies takes its containers' `runsc run`
 * down with status 128: the shim turns that into 137 once the sandbox process is gone.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { launchDetached } from '../host/exec.js';

export interface ShimLaunch {
  /** Container id, shown in the shim's command line (`pier-shim:<id>`). */
  id: string;
  /** Container dir: gets stdout, stderr, shim.pid, exit-code, oom-killed. */
  dir: string;
  /** The runtime's foreground command: returns with the container's exit status. */
  argv: readonly string[];
  /** memory.oom_control of the container's own cgroup (runc). */
  containerOomFile?: string;
  /** memory.oom_control of the task's cgroup (the runsc sandbox, or runc's task parent). */
  taskOomFile?: string;
  /** runsc: the sandbox's pid; status 128 after it died becomes 137. */
  sandboxPid?: number;
  /** Run after the container ended and before the status is recorded (e.g. `runc delete`). */
  after?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

export const FILES = {
  stdout: 'stdout',
  stderr: 'stderr',
  pid: 'shim.pid',
  exitCode: 'exit-code',
  oom: 'oom-killed',
} as const;

/** Quotes a string for a POSIX shell. */
export function shq(s: string | number): string {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

const cmd = (argv: readonly string[]): string => argv.map(shq).join(' ');

/** The shim's script (exported for tests and for reading; it is passed to `sh -c`). */
export function shimScript(l: ShimLaunch): string {
  // Nothing runs before the runtime's command but builtins: every process started here is time a
  // launch waits for (no `mv`, no `$(…)` subshell).
  const lines = [
    `cd ${shq(l.dir)} || exit 1`,
    // Sets n to a memory.oom_control oom_kill counter, with shell builtins only.
    'oomk() { n=0; if [ -r "$1" ]; then while read -r k v; do [ "$k" = oom_kill ] && n=$v; done < "$1"; fi; }',
    `oomk ${shq(l.taskOomFile ?? '')}; t0=$n`,
    `${cmd(l.argv)} </dev/null`,
    'code=$?',
    'oom=0',
  ];
  if (l.sandboxPid) {
    lines.push(
      // Gone or a zombie (its reaper may take a while): the sandbox is dead.
      'gone() { [ -r "/proc/$1/stat" ] || return 0; read -r l < "/proc/$1/stat" || return 0; l=${l##*) }; case $l in Z*|X*) return 0;; esac; return 1; }',
      `if [ "$code" = 128 ]; then`,
      `  oomk ${shq(l.taskOomFile ?? '')}`,
      `  if [ "$n" -gt "$t0" ]; then code=137; else`,
      `    i=0; while [ $i -lt 10 ] && ! gone ${l.sandboxPid}; do sleep 0.05; i=$((i+1)); done`,
      `    gone ${l.sandboxPid} && code=137`,
      '  fi',
      'fi',
    );
  }
  lines.push(
    `oomk ${shq(l.containerOomFile ?? '')}; [ "$n" -gt 0 ] && oom=1`,
    `oomk ${shq(l.taskOomFile ?? '')}; [ "$code" = 137 ] && [ "$n" -gt "$t0" ] && oom=1`,
  );
  if (l.after?.length) lines.push(`${cmd(l.after)} >/dev/null 2>&1`);
  lines.push(
    '[ $oom = 1 ] && echo 1 > oom-killed',
    'echo "$code" > exit-code.tmp && mv -f exit-code.tmp exit-code',
  );
  return lines.join('\n');
}

/**
 * Starts the shim detached from the agent (through the spawner helper, see host/exec.ts); resolves
 * with its pid. stdout/stderr files are appended to (restarts keep earlier logs).
 */
export function launchShim(l: ShimLaunch): Promise<number> {
  return launchDetached(['/bin/sh', '-c', shimScript(l), `pier-shim:${l.id}`], {
    cwd: l.dir,
    env: l.env ?? process.env,
    stdoutFile: join(l.dir, FILES.stdout),
    stderrFile: join(l.dir, FILES.stderr),
    pidFile: join(l.dir, FILES.pid),
  });
}

export function readExitCode(dir: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(join(dir, FILES.exitCode), 'utf8').trim(), 10);
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

export function readOomKilled(dir: string): boolean {
  return existsSync(join(dir, FILES.oom));
}

/** The shim's pid if that process is alive and still our shim for `id` (guards against pid reuse). */
export function liveShimPid(dir: string, id: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(join(dir, FILES.pid), 'utf8').trim(), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  return isShimProcess(pid, id) ? pid : undefined;
}

export function isShimProcess(pid: number, id: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(`pier-shim:${id}`);
  } catch {
    return false;
  }
}

export function hasShimPidFile(dir: string): boolean {
  return existsSync(join(dir, FILES.pid));
}

/** Forgets a finished run (before a restart). Keeps stdout/stderr. */
export function clearRun(dir: string): void {
  for (const f of [FILES.exitCode, FILES.oom, FILES.pid, 'exit-code.tmp', 'shim.pid.tmp']) rmSync(join(dir, f), { force: true });
}

/** SIGKILLs the shim's whole process group (the shim leads its own session). */
export function killShim(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The process exists and has not exited (a zombie waiting to be reaped counts as gone). */
export function pidAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "pid (comm) S …": the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}
