/**
 * The AWS CLI without its start-up cost, for suites that make hundreds of calls: each CLI (v2 at
 * /usr/bin/aws, v1 on PATH) gets one long-lived Python process of its own interpreter that runs
 * every command through the CLI's own entry point (aws-cli-server.py), and callers block on the
 * answer as they would on spawnSync. A fresh `aws` process costs about a second of CPU before
 * it sends anything (the interpreter and the awscli/botocore imports); through the server a
 * call costs what the command itself does.
 *
 * `PIER_TEST_AWS_CLI=spawn` makes every call a process of its own again.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const SERVER = fileURLToPath(new URL('../../../test/helpers/aws-cli-server.py', import.meta.url));
const CALL_TIMEOUT_MS = 120_000;

export interface DaemonResult { status: number; stdout: string; stderr: string }

interface Daemon { process: ChildProcess; socketPath: string }

const daemons = new Map<string, Daemon>();
let worker: Worker | undefined;
let dir: string | undefined;

export function daemonDisabled(): boolean {
  return process.env['PIER_TEST_AWS_CLI'] === 'spawn';
}

/** The interpreter a Python program runs under, asked of the program itself (it may be a pyenv shim). */
function interpreterOf(cliPath: string): string {
  const probe = mkdtempSync(join(tmpdir(), 'pier-cli-probe-'));
  try {
    writeFileSync(join(probe, 'sitecustomize.py'), 'import os, sys\nif os.environ.get("PIER_PROBE_EXECUTABLE"):\n    sys.stdout.write(sys.executable)\n    sys.stdout.flush()\n    os._exit(0)\n');
    const r = spawnSync(cliPath, ['--version'], { env: { ...process.env, PYTHONPATH: probe, PIER_PROBE_EXECUTABLE: '1' }, encoding: 'utf8' });
    const exe = r.stdout.trim();
    if (r.status !== 0 || !exe.startsWith('/')) throw new Error(`cannot tell which Python runs ${cliPath}: ${r.stdout}${r.stderr}`);
    return exe;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

function daemonFor(cliPath: string): Daemon {
  let d = daemons.get(cliPath);
  if (d && d.process.exitCode === null && d.process.signalCode === null) return d;
  dir ??= mkdtempSync(join(tmpdir(), 'pier-cli-'));
  const socketPath = join(dir, `${daemons.size}-${Date.now()}.sock`);
  const child = spawn(interpreterOf(cliPath), [SERVER, socketPath], { stdio: ['ignore', 'ignore', 'inherit'] });
  child.unref();
  d = { process: child, socketPath };
  daemons.set(cliPath, d);
  return d;
}

process.on('exit', () => {
  for (const d of daemons.values()) if (d.process.pid !== undefined && d.process.exitCode === null) d.process.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `aws <args>` with `env` through the CLI's server; blocks until it answers. */
export function runThroughDaemon(cliPath: string, args: readonly string[], env: NodeJS.ProcessEnv): DaemonResult {
  const d = daemonFor(cliPath);
  if (!worker) {
    worker = new Worker(new URL('./aws-cli-daemon-worker.js', import.meta.url));
    worker.unref();
  }
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const answerPath = join(dir!, `answer-${process.pid}`);
  const cleanEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const request = JSON.stringify({ args, env: cleanEnv, cwd: process.cwd(), timeoutSeconds: CALL_TIMEOUT_MS / 1000 });
  worker.postMessage({ socketPath: d.socketPath, request, answerPath, flag, connectWithinMs: 60_000 });
  if (Atomics.wait(flag, 0, 0, CALL_TIMEOUT_MS + 70_000) === 'timed-out') {
    d.process.kill('SIGKILL');
    return { status: -1, stdout: '', stderr: `aws ${args.join(' ')}: no answer from the CLI server in time` };
  }
  const answer = JSON.parse(readFileSync(answerPath, 'utf8')) as DaemonResult & { error?: string };
  if (answer.error) {
    d.process.kill('SIGKILL');
    return { status: -1, stdout: '', stderr: `aws ${args.join(' ')}: ${answer.error}` };
  }
  return answer;
}
