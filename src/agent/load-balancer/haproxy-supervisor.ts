/**
 * Runs this host's HAProxy: one master-worker process (`-W -S <master socket>`), started detached
 * like a task's shim (its own session, pid written by the launcher before the agent hears of it),
 * so an agent that dies or restarts never takes the listeners down. A new supervisor adopts the
 * running HAProxy from the pidfile (the pid must still be an HAProxy serving this master socket).
 *
 * Changes, cheapest first (apply()):
 * - same configuration shape (only servers differ: targets registered, draining, gone): the
 *   runtime API on the stats socket — `add server` + `enable health` + `enable server`,
 *   `set server … state drain|ready`, and `set server … state maint` + `shutdown sessions server`
 *   + `del server` — then the new config is written without a reload. Any refusal falls back to a
 *   reload.
 * - anything else (listeners, rules, target groups, health-check settings): the new config is
 *   checked (`haproxy -c`), the servers' state dumped to the server-state file (health and drain
 *   survive), and `reload` sent to the master. The stats socket has `expose-fd listeners`, so the
 *   new worker takes the listening sockets from the old one: no connection is refused, and the
 *   old worker finishes the requests it holds.
 * - no load balancer left: HAProxy is stopped gracefully (SIGUSR1: listeners close, requests in
 *   flight finish), made hard (SIGTERM) if anything is still open 5 s later.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-file.js';
import { coerceError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { LoadBalancingAssignment, TargetGroupConfig } from '../../protocol/load-balancing.js';
import { launchDetached, runCommandOk } from '../host/exec.js';
import { COUNTERS_COMMAND, parseCounters, type CounterSnapshot } from './haproxy-counters.js';
import { haproxyCommand, parseTable } from './haproxy-socket.js';
import { backendName, configShape, renderHaproxyConfig, serverArgs, serverName, targetLive } from './render-config.js';
import type { ServerStat } from './target-health.js';

/** How long requests in flight get to finish when no load balancer is left. */
const GRACEFUL_STOP_MS = 5_000;

export interface HaproxySupervisorOptions {
  /** Config, pidfile, server-state file and log. */
  dir: string;
  /** The two sockets (kept short: a unix socket path has at most 107 bytes). */
  runDir: string;
  binary?: string;
  log: Logger;
}

export type ApplyOutcome = 'started' | 'reloaded' | 'runtime' | 'unchanged' | 'stopped' | 'idle';

/**
 * srv_admin_state bits (HAProxy's SRV_ADMF_*): forced, inherited and resolution maintenance; drain.
 * Not CMAINT (0x04, `disabled` in the config): it stays set after `state ready` puts the server back.
 */
const ADMIN_MAINT = 0x01 | 0x02 | 0x20;
const ADMIN_DRAIN = 0x08 | 0x10;

export class HaproxySupervisor {
  private pid: number | undefined;
  private applied: string | undefined;
  readonly configFile: string;
  readonly pidFile: string;
  readonly stateFile: string;
  readonly logFile: string;
  readonly masterSocket: string;
  readonly statsSocket: string;
  private readonly binary: string;

  constructor(private readonly o: HaproxySupervisorOptions) {
    this.configFile = join(o.dir, 'haproxy.cfg');
    this.pidFile = join(o.dir, 'haproxy.pid');
    this.stateFile = join(o.dir, 'server-state');
    this.logFile = join(o.dir, 'haproxy.log');
    this.masterSocket = join(o.runDir, 'master.sock');
    this.statsSocket = join(o.runDir, 'stats.sock');
    this.binary = o.binary ?? (existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy');
  }

  /** The master's pid while HAProxy runs. */
  get masterPid(): number | undefined {
    return this.running() ? this.pid : undefined;
  }

  /** Takes over an HAProxy a previous supervisor (agent process) started; true if there is one. */
  adopt(): boolean {
    const pid = readPid(this.pidFile);
    if (pid === undefined || !alive(pid) || !cmdline(pid).includes(this.masterSpec())) return false;
    this.pid = pid;
    this.applied = existsSync(this.configFile) ? readFileSync(this.configFile, 'utf8') : undefined;
    this.o.log.info('adopted the running HAProxy', { pid });
    return true;
  }

  running(): boolean {
    return this.pid !== undefined && alive(this.pid);
  }

  async apply(a: LoadBalancingAssignment, nowMs: number): Promise<ApplyOutcome> {
    if (a.loadBalancers.length === 0) {
      if (!this.running()) return 'idle';
      await this.stop({ graceful: true });
      return 'stopped';
    }
    const config = renderHaproxyConfig(a, { statsSocket: this.statsSocket, serverStateFile: this.stateFile, nowMs });
    if (!this.running()) {
      await this.writeChecked(config);
      await this.start();
      this.applied = config;
      return 'started';
    }
    if (this.applied !== undefined && withoutCursor(config) === withoutCursor(this.applied)) return 'unchanged';
    if (this.applied !== undefined && configShape(config) === configShape(this.applied)) {
      try {
        await this.check(config);
        await this.applyServers(a, nowMs);
        renameSync(`${this.configFile}.next`, this.configFile);
        this.applied = config;
        return 'runtime';
      } catch (err) {
        this.o.log.warn('runtime server change refused; reloading instead', { error: coerceError(err).message });
      }
    }
    await this.writeChecked(config);
    await this.reload();
    this.applied = config;
    return 'reloaded';
  }

  /** Servers as `show stat` reports them (frontends and backends left out). */
  async stats(): Promise<ServerStat[]> {
    const rows = parseTable(await haproxyCommand(this.statsSocket, 'show stat'), ',');
    return rows.filter((r) => r.svname !== 'FRONTEND' && r.svname !== 'BACKEND') as unknown as ServerStat[];
  }

  /** The current worker's traffic counters, read at `at` (haproxy-counters.ts). */
  async counters(at: number): Promise<CounterSnapshot> {
    return parseCounters(await haproxyCommand(this.statsSocket, COUNTERS_COMMAND), at);
  }

  /** The current worker's pid (from the master's `show proc`). */
  async workerPid(): Promise<number | undefined> {
    const text = await haproxyCommand(this.masterSocket, 'show proc');
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('# workers'));
    const first = at >= 0 ? lines[at + 1]?.trim().split(/\s+/) : undefined;
    return first && /^\d+$/.test(first[0] ?? '') ? Number(first[0]) : undefined;
  }

  /** Stops HAProxy (graceful: current requests finish) and removes its files. */
  async stop(opts: { graceful: boolean }): Promise<void> {
    const pid = this.pid ?? readPid(this.pidFile);
    if (pid !== undefined && alive(pid) && cmdline(pid).includes(this.masterSpec())) {
      // A soft stop closes the listeners at once and lets requests in flight finish; an idle
      // keep-alive connection would hold the old worker until its timeout (idle-close-on-response
      // waits for the client's next request), so after a short grace the stop is made hard.
      if (opts.graceful) {
        signal(pid, 'SIGUSR1');
        if (!(await waitFor(() => !alive(pid), GRACEFUL_STOP_MS))) signal(pid, 'SIGTERM');
      } else {
        signal(pid, 'SIGTERM');
      }
      if (!(await waitFor(() => !alive(pid), 5000))) signal(-pid, 'SIGKILL');
      await waitFor(() => !alive(pid), 5000);
    }
    this.pid = undefined;
    this.applied = undefined;
    for (const f of [this.configFile, `${this.configFile}.next`, this.pidFile, this.stateFile, this.logFile, this.masterSocket, this.statsSocket]) rmSync(f, { force: true });
  }

  private masterSpec(): string {
    return `${this.masterSocket},mode,600`;
  }

  private async start(): Promise<void> {
    mkdirSync(this.o.runDir, { recursive: true, mode: 0o700 });
    const pid = await launchDetached([this.binary, '-W', '-S', this.masterSpec(), '-f', this.configFile], {
      stdoutFile: this.logFile, stderrFile: this.logFile, pidFile: this.pidFile,
    });
    this.pid = pid;
    const up = await waitFor(async () => {
      if (!alive(pid)) return true;
      return (await this.workerPid().catch(() => undefined)) !== undefined && (await haproxyCommand(this.statsSocket, 'show info').then(() => true, () => false));
    }, 10_000);
    if (!up || !alive(pid)) {
      const tail = existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8').split('\n').slice(-5).join(' | ') : '';
      if (alive(pid)) signal(-pid, 'SIGKILL');
      this.pid = undefined;
      throw new Error(`HAProxy did not start: ${tail}`);
    }
    this.o.log.info('HAProxy started', { pid });
  }

  private async reload(): Promise<void> {
    const before = await this.workerPid();
    writeFileAtomic(this.stateFile, await haproxyCommand(this.statsSocket, 'show servers state'));
    await haproxyCommand(this.masterSocket, 'reload');
    const done = await waitFor(async () => {
      const now = await this.workerPid().catch(() => undefined);
      return now !== undefined && now !== before && (await haproxyCommand(this.statsSocket, 'show info').then(() => true, () => false));
    }, 15_000);
    if (!done) throw new Error('HAProxy did not reload in 15 s');
  }

  /** Writes `<config>.next` and has HAProxy check it. */
  private async check(config: string): Promise<void> {
    mkdirSync(this.o.dir, { recursive: true });
    writeFileAtomic(`${this.configFile}.next`, config);
    await runCommandOk([this.binary, '-c', '-q', '-f', `${this.configFile}.next`], { timeoutMs: 15_000 });
  }

  private async writeChecked(config: string): Promise<void> {
    await this.check(config);
    renameSync(`${this.configFile}.next`, this.configFile);
  }

  /** Brings the running worker's servers to the assignment's through the runtime API. */
  private async applyServers(a: LoadBalancingAssignment, nowMs: number): Promise<void> {
    const rows = parseTable(await haproxyCommand(this.statsSocket, 'show servers state'), ' ');
    const current = new Map<string, Map<string, number>>();
    for (const r of rows) {
      const be = current.get(r.be_name!) ?? new Map<string, number>();
      be.set(r.srv_name!, Number(r.srv_admin_state));
      current.set(r.be_name!, be);
    }
    for (const tg of a.targetGroups) {
      const be = backendName(tg);
      const have = current.get(be) ?? new Map<string, number>();
      const want = new Set<string>();
      for (const t of tg.targets) {
        if (!targetLive(tg, t, nowMs)) continue;
        const name = serverName(t);
        want.add(name);
        const admin = have.get(name);
        const draining = t.drainingSinceMs !== undefined;
        if (admin === undefined) {
          await this.addServer(tg, be, name, `${t.id}:${t.port}`, draining);
        } else if (draining && (admin & (ADMIN_DRAIN | ADMIN_MAINT)) === 0) {
          await this.cli(`set server ${be}/${name} state drain`);
        } else if (!draining && (admin & (ADMIN_DRAIN | ADMIN_MAINT)) !== 0) {
          await this.cli(`set server ${be}/${name} state ready`);
        }
      }
      for (const name of have.keys()) {
        if (want.has(name)) continue;
        await this.cli(`set server ${be}/${name} state maint`);
        await this.cli(`shutdown sessions server ${be}/${name}`);
        await this.cli(`del server ${be}/${name}`, /Server deleted/);
      }
    }
  }

  private async addServer(tg: TargetGroupConfig, be: string, name: string, address: string, draining: boolean): Promise<void> {
    await this.cli(`add server ${be}/${name} ${address} ${serverArgs(tg).join(' ')}`.trimEnd(), /New server registered/);
    if (tg.healthCheck.enabled) await this.cli(`enable health ${be}/${name}`);
    // Added servers start in maintenance; a draining one stays there (it takes no new requests).
    if (!draining) await this.cli(`enable server ${be}/${name}`);
  }

  /** A runtime command; HAProxy answers success with nothing or the given text, anything else is a refusal. */
  private async cli(command: string, ok?: RegExp): Promise<void> {
    const answer = (await haproxyCommand(this.statsSocket, command)).trim();
    if (ok ? !ok.test(answer) : answer !== '') throw new Error(`HAProxy refused '${command}': ${answer.split('\n')[0]}`);
  }
}

function withoutCursor(config: string): string {
  return config.replace(/^# cursor .*$/m, '');
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Running (a zombie waiting for its parent counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
