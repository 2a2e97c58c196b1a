/**
 * Spare network namespaces for tasks' ENIs, made ahead in the background so that a launch does not
 * wait for `ip netns add` and a veth pair before it can configure the task's side (every host
 * process costs milliseconds on these hosts, and the ENI was on a launch's critical path):
 *
 *   /run/netns/<prefix>n<k>   the namespace (ip netns add)
 *   <linkPrefix><k>           the host end of a veth pair, down and on no bridge; its peer is
 *                             `eth0` inside the namespace
 *
 * A launch takes one with a symlink, /run/netns/<name> → <prefix>n<k>: a namespace is named by a
 * bind mount, which cannot be renamed, and a symlink names it for every user of the path (`ip
 * netns exec`, runc, runsc, nsenter; netns.ts deletes a symlinked name with its namespace). The
 * ENI then renames the host end and puts it on the bridge while eth0 is configured, in parallel.
 *
 * Namespaces `<prefix>n<k>` that no symlink points to are spares. At start those an earlier agent
 * left are removed (checking them would cost a process each) and `target` new ones are made, one
 * at a time at nice 19, `delayMs` after a take (past the launch that took it) unless none is left.
 * `close()` removes the spares (the agent stops with no task left: nothing of it stays).
 */
import { join } from 'node:path';
import { BackgroundFill } from '../host/background-fill.js';
import { runCommand } from '../host/exec.js';
import { aliasNetns, listNetns, netnsAliases, netnsExists } from '../host/netns.js';
import { PrestartedCommand } from '../host/prestarted.js';
import { linkExists } from './vpc-links.js';

export interface SpareNetns {
  /** The namespace's own name (what the task's name links to). */
  netns: string;
  /** The host end of its veth pair. */
  hostIf: string;
  /** `ip -n <netns> -batch`, started ahead: configures the task's side (release it once used). */
  configure?: PrestartedCommand;
}

export interface SpareNetnsOptions {
  /** Names the spares `<prefix>n<k>`; the agent's namespace prefix. */
  prefix: string;
  /** Names the host ends `<linkPrefix><k>` (at most 15 characters in all). */
  linkPrefix: string;
  /** Spares to keep. */
  target: number;
  /** Where the FIFOs of the commands started ahead for each spare live (none started without). */
  fifoDir?: string;
  delayMs?: number;
}

export class SpareNetnsPool {
  private readonly ready: SpareNetns[] = [];
  private readonly filler: BackgroundFill;
  private next = 0;
  private loading: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly opts: SpareNetnsOptions) {
    this.filler = new BackgroundFill(() => this.fill(), opts.delayMs ?? 1_000);
  }

  /** Removes the spares an earlier agent left, then makes the missing ones. */
  start(): void {
    this.loading ??= this.load().catch(() => undefined).then(() => this.refill(true));
  }

  /**
   * Points `name` at a spare (the symlink above) and hands it over, or returns undefined when there
   * is none. Synchronous: one symlink, and the namespace and its veth pair are there.
   */
  take(name: string): SpareNetns | undefined {
    for (let s = this.ready.shift(); s !== undefined; s = this.ready.shift()) {
      if (!linkExists(s.hostIf) || !netnsExists(s.netns)) {
        void s.configure?.release(); // removed behind our back
        continue;
      }
      try {
        aliasNetns(name, s.netns);
      } catch {
        this.ready.unshift(s); // the name exists already: the caller uses what is there
        return undefined;
      }
      this.refill(this.ready.length === 0);
      return s;
    }
    this.refill(true);
    return undefined;
  }

  /** Makes spares in the background until there are `target`: after `delayMs`, or now when `urgent`. */
  refill(urgent = false): void {
    if (this.opts.target > 0 && !this.closed) this.filler.schedule(urgent);
  }

  /** Makes any spares due now and resolves when none is being made. */
  async settled(): Promise<void> {
    await this.loading;
    await this.filler.settled();
  }

  /** Stops making spares and removes every one not taken (idempotent). */
  async close(): Promise<void> {
    this.closed = true;
    await this.loading;
    await this.filler.stop();
    await Promise.all(this.ready.map((s) => s.configure?.release()));
    this.ready.length = 0;
    await this.removeUntaken();
  }

  private async load(): Promise<void> {
    for (const name of listNetns(this.opts.prefix)) {
      const k = this.spareNumber(name);
      if (k !== undefined) this.next = Math.max(this.next, k + 1);
    }
    await this.removeUntaken();
  }

  /** Removes the spares no task's name points to (and their veths, should the namespace be gone). */
  private async removeUntaken(): Promise<void> {
    const taken = new Set(netnsAliases(this.opts.prefix).values());
    const lines: string[] = [];
    for (const name of listNetns(this.opts.prefix)) {
      const k = this.spareNumber(name);
      if (k === undefined || taken.has(name)) continue;
      lines.push(`netns del ${name}`);
      if (linkExists(this.hostIfOf(k))) lines.push(`link del ${this.hostIfOf(k)}`);
    }
    if (lines.length) await runCommand(['ip', '-force', '-batch', '-'], { input: `${lines.join('\n')}\n` });
  }

  /** k of a spare's name `<prefix>n<k>`; undefined for any other name (a task's). */
  private spareNumber(name: string): number | undefined {
    const m = name.startsWith(this.opts.prefix) ? /^n(\d+)$/.exec(name.slice(this.opts.prefix.length)) : null;
    return m ? Number(m[1]) : undefined;
  }

  private hostIfOf(k: number): string {
    return `${this.opts.linkPrefix}${k}`;
  }

  private async fill(): Promise<void> {
    while (!this.closed && this.ready.length < this.opts.target) {
      const k = this.next++;
      const s: SpareNetns = { netns: `${this.opts.prefix}n${k}`, hostIf: this.hostIfOf(k) };
      const r = await runCommand(['nice', '-n', '19', 'ip', '-batch', '-'], {
        input: `netns add ${s.netns}\nlink add ${s.hostIf} type veth peer name eth0 netns ${s.netns}\n`,
      });
      if (r.status !== 0 || r.timedOut) {
        await runCommand(['ip', '-force', '-batch', '-'], { input: `netns del ${s.netns}\nlink del ${s.hostIf}\n` });
        throw new Error(`could not make a spare network namespace: ${r.stderr.trim()}`);
      }
      if (this.opts.fifoDir) {
        const fifo = join(this.opts.fifoDir, `${s.netns}.fifo`);
        s.configure = new PrestartedCommand(fifo, ['ip', '-n', s.netns, '-batch', fifo]);
        await s.configure.start().catch(() => undefined);
      }
      if (this.closed) {
        await s.configure?.release();
        await runCommand(['ip', '-force', '-batch', '-'], { input: `netns del ${s.netns}\nlink del ${s.hostIf}\n` });
        return;
      }
      this.ready.push(s);
    }
  }
}
