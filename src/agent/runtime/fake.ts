/**
 * A runtime that runs nothing, for tests of everything above the runtime. A container's behaviour
 * comes from its environment (config.json `process.env`) or from a `script` given to the
 * constructor:
 *
 *   PIER_FAKE_RUN_MS=200         exits after 200 ms (default: runs until killed)
 *   PIER_FAKE_EXIT=3             with this status (default 0)
 *   PIER_FAKE_OOM=1              ends as OOM-killed: 137, oomKilled
 *   PIER_FAKE_STDOUT / _STDERR   text written to the stdout / stderr files at start
 *   PIER_FAKE_START_ERROR=msg    startContainer throws ContainerStartError(msg)
 *   PIER_FAKE_ON_SIGTERM=7       status when sent SIGTERM (any signal: PIER_FAKE_ON_<SIGNAL>);
 *                                "ignore" ignores it; default 128 + signal number. SIGKILL: 137.
 *   PIER_FAKE_EXEC_EXIT / _EXEC_OUTPUT / _EXEC_MS   what exec returns, after how long
 *
 * State lives in files like the real runtimes' (`fake.json`, `exit-code`, `oom-killed` in the
 * container dir), and time is wall-clock from those files, so a container "keeps running" across an
 * agent restart and its exit code lands in `exit-code` (written when it is next looked at).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { signalNumber } from '../host/exec.js';
import { ContainerStartError, ExecTimeoutError, type ContainerSpec, type ContainerStatus, type OciRuntime, type SandboxSpec } from './oci-runtime.js';
import { registerContainer, registeredContainers, sandboxDirIds, writeSandboxRecord } from './sandbox-files.js';
import { FILES, readExitCode, readOomKilled } from './shim.js';
import { writeFileAtomic } from '../../lib/atomic-file.js';

export interface FakeBehaviour {
  runMs?: number;
  exitCode?: number;
  oom?: boolean;
  stdout?: string;
  stderr?: string;
  startError?: string;
  /** Signal name → status on that signal, or 'ignore'. */
  onSignal?: Partial<Record<string, number | 'ignore'>>;
  exec?: { exitCode?: number; output?: string; delayMs?: number };
}

export interface FakeRuntimeOptions {
  /** Overrides the env-driven behaviour of a container (return undefined to use the env). */
  script?: (container: ContainerSpec) => FakeBehaviour | undefined;
  now?: () => number;
}

interface FakeRun {
  startedAt: number;
  behaviour: FakeBehaviour;
}

const RUN_FILE = 'fake.json';

export function behaviourFromEnv(env: readonly string[]): FakeBehaviour {
  const vars = new Map(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const));
  const num = (name: string): number | undefined => {
    const v = vars.get(name);
    return v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
  };
  const onSignal: Record<string, number | 'ignore'> = {};
  for (const [k, v] of vars) {
    const m = /^PIER_FAKE_ON_(SIG[A-Z0-9]+)$/.exec(k);
    if (m) onSignal[m[1]!] = v === 'ignore' ? 'ignore' : Number(v);
  }
  const b: FakeBehaviour = { onSignal };
  const runMs = num('PIER_FAKE_RUN_MS');
  if (runMs !== undefined) b.runMs = runMs;
  const exitCode = num('PIER_FAKE_EXIT');
  if (exitCode !== undefined) b.exitCode = exitCode;
  if (vars.get('PIER_FAKE_OOM') === '1') b.oom = true;
  if (vars.has('PIER_FAKE_STDOUT')) b.stdout = vars.get('PIER_FAKE_STDOUT')!;
  if (vars.has('PIER_FAKE_STDERR')) b.stderr = vars.get('PIER_FAKE_STDERR')!;
  if (vars.get('PIER_FAKE_START_ERROR')) b.startError = vars.get('PIER_FAKE_START_ERROR')!;
  const execExit = num('PIER_FAKE_EXEC_EXIT');
  const execMs = num('PIER_FAKE_EXEC_MS');
  b.exec = {
    ...(execExit !== undefined ? { exitCode: execExit } : {}),
    ...(vars.has('PIER_FAKE_EXEC_OUTPUT') ? { output: vars.get('PIER_FAKE_EXEC_OUTPUT')! } : {}),
    ...(execMs !== undefined ? { delayMs: execMs } : {}),
  };
  return b;
}

export class FakeRuntime implements OciRuntime {
  readonly name = 'fake';
  private readonly now: () => number;

  constructor(private readonly opts: FakeRuntimeOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  async createSandbox(spec: SandboxSpec): Promise<void> {
    writeSandboxRecord(spec);
  }

  private behaviour(container: ContainerSpec): FakeBehaviour {
    const scripted = this.opts.script?.(container);
    if (scripted) return scripted;
    const env = ((container.oci.process as { env?: string[] } | undefined)?.env) ?? [];
    return behaviourFromEnv(env);
  }

  private readRun(dir: string): FakeRun | undefined {
    try {
      return JSON.parse(readFileSync(join(dir, RUN_FILE), 'utf8')) as FakeRun;
    } catch {
      return undefined;
    }
  }

  private finish(dir: string, exitCode: number, oom: boolean): ContainerStatus {
    if (readExitCode(dir) === undefined) {
      if (oom) writeFileSync(join(dir, FILES.oom), '1\n');
      writeFileAtomic(join(dir, FILES.exitCode), `${exitCode}\n`);
    }
    return this.stoppedStatus(dir)!;
  }

  private stoppedStatus(dir: string): ContainerStatus | undefined {
    const exitCode = readExitCode(dir);
    if (exitCode === undefined) return undefined;
    return { state: 'stopped', exitCode, ...(readOomKilled(dir) ? { oomKilled: true } : {}) };
  }

  async startContainer(sandbox: SandboxSpec, container: ContainerSpec): Promise<void> {
    mkdirSync(container.dir, { recursive: true });
    const current = await this.status(sandbox, container);
    if (current.state === 'running') return;
    const b = this.behaviour(container);
    if (b.startError) throw new ContainerStartError(b.startError);
    for (const f of [FILES.exitCode, FILES.oom]) rmSync(join(container.dir, f), { force: true });
    appendFileSync(join(container.dir, FILES.stdout), b.stdout ?? '');
    appendFileSync(join(container.dir, FILES.stderr), b.stderr ?? '');
    writeFileSync(join(container.dir, 'config.json'), JSON.stringify(container.oci));
    registerContainer(sandbox.dir, container.id, container.dir);
    writeFileAtomic(join(container.dir, RUN_FILE), JSON.stringify({ startedAt: this.now(), behaviour: b } satisfies FakeRun));
    if (b.runMs === 0) await this.status(sandbox, container);
  }

  async status(_sandbox: SandboxSpec, container: ContainerSpec): Promise<ContainerStatus> {
    const done = this.stoppedStatus(container.dir);
    if (done) return done;
    const run = this.readRun(container.dir);
    if (!run) return { state: 'unknown' };
    const b = run.behaviour;
    if (b.runMs !== undefined && this.now() >= run.startedAt + b.runMs) {
      return this.finish(container.dir, b.oom ? 137 : b.exitCode ?? 0, b.oom === true);
    }
    return { state: 'running' };
  }

  async exec(sandbox: SandboxSpec, container: ContainerSpec, argv: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    if (argv.length === 0) throw new TypeError('exec: empty argv');
    if ((await this.status(sandbox, container)).state !== 'running') return { exitCode: 1, output: `container ${container.id} is not running` };
    const e = this.readRun(container.dir)?.behaviour.exec ?? {};
    const delay = e.delayMs ?? 0;
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, timeoutMs)));
    if (delay > timeoutMs) throw new ExecTimeoutError(`exec in ${container.id} did not finish within ${timeoutMs} ms`);
    return { exitCode: e.exitCode ?? 0, output: e.output ?? '' };
  }

  async kill(sandbox: SandboxSpec, container: ContainerSpec, signal: NodeJS.Signals): Promise<void> {
    if ((await this.status(sandbox, container)).state !== 'running') return;
    const run = this.readRun(container.dir)!;
    if (signal === 'SIGKILL') {
      this.finish(container.dir, 137, false);
      return;
    }
    const action = run.behaviour.onSignal?.[signal];
    if (action === 'ignore') return;
    this.finish(container.dir, action ?? 128 + (signalNumber(signal) ?? 0), false);
  }

  async destroySandbox(spec: SandboxSpec): Promise<void> {
    for (const [id, dir] of registeredContainers(spec.dir)) {
      if (existsSync(join(dir, RUN_FILE)) && (await this.status(spec, { id, dir, oci: {} })).state === 'running') this.finish(dir, 137, false);
    }
    rmSync(spec.dir, { recursive: true, force: true });
  }

  async listSandboxes(stateDir: string): Promise<string[]> {
    return sandboxDirIds(stateDir).sort();
  }
}
