/**
 * The agent's side of ECS Exec: long-polls the control plane for sessions its callers have
 * attached to, dials back for each, and runs the command in the task's container
 * (exec-process.ts). The agent only ever dials out; see src/api/exec-routes.ts.
 */
import type { Duplex } from 'node:stream';
import { coerceError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { CommandSyntaxError, splitCommand } from '../../protocol/exec-command.js';
import { encodeFrame, FrameType, type ExecAssignment } from '../../protocol/exec-stream.js';
import type { ControlPlaneClient } from '../control-plane-client.js';
import type { OciRuntime, SandboxSpec } from '../runtime/oci-runtime.js';
import { runExecProcess } from './exec-process.js';

/** Where a container of a task on this host runs, while it runs. */
export interface ExecTarget { readonly sandbox: SandboxSpec; readonly containerId: string }

export interface ExecAgentDeps {
  readonly client: Required<Pick<ControlPlaneClient, 'execSessions' | 'dialExec'>>;
  readonly runtime: OciRuntime;
  /** The running container, or why there is none (a message for the caller). */
  readonly target: (taskArn: string, containerName: string) => ExecTarget | string;
  readonly log: Logger;
}

const POLL_SECONDS = 20;

export class ExecAgent {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly deps: ExecAgentDeps) {}

  /** Polls until `signal` aborts; sessions in progress go on until their callers or commands end. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const { sessions } = await this.deps.client.execSessions(POLL_SECONDS, signal);
        for (const s of sessions) this.track(this.serve(s));
      } catch (err) {
        if (signal.aborted) return;
        this.deps.log.warn('polling for exec sessions failed', { error: coerceError(err).message });
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 1000);
          signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
        });
      }
    }
  }

  private track(p: Promise<void>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private async serve(s: ExecAssignment): Promise<void> {
    let socket: Duplex;
    try {
      socket = await this.deps.client.dialExec(s.sessionId);
    } catch (err) {
      this.deps.log.warn('could not dial back for an exec session', { sessionId: s.sessionId, error: coerceError(err).message });
      return;
    }
    socket.on('error', () => socket.destroy());
    try {
      const argv = this.hostArgv(s);
      this.deps.log.info('exec session started', { sessionId: s.sessionId, taskArn: s.taskArn, container: s.containerName, tty: s.terminal.tty });
      await runExecProcess(socket, argv, s.terminal, this.deps.log);
      this.deps.log.info('exec session ended', { sessionId: s.sessionId });
    } catch (err) {
      socket.end(encodeFrame(FrameType.ERROR, err instanceof ExecRefused ? err.message : `exec failed: ${coerceError(err).message}`));
    }
  }

  /** The host command for the session, or ExecRefused with what to tell the caller. */
  private hostArgv(s: ExecAssignment): string[] {
    const target = this.deps.target(s.taskArn, s.containerName);
    if (typeof target === 'string') throw new ExecRefused(target);
    if (!this.deps.runtime.interactiveExecArgv) throw new ExecRefused(`the ${this.deps.runtime.name} runtime cannot run commands in containers`);
    let argv: string[];
    try {
      argv = splitCommand(s.command);
    } catch (err) {
      if (err instanceof CommandSyntaxError) throw new ExecRefused(`InvalidParameterException: ${err.message}`);
      throw err;
    }
    if (argv.length === 0) throw new ExecRefused('InvalidParameterException: the command is empty');
    const env: Record<string, string> = s.terminal.tty ? { TERM: s.terminal.term ?? 'xterm' } : {};
    return this.deps.runtime.interactiveExecArgv(target.sandbox, target.containerId, argv, { tty: s.terminal.tty, env });
  }
}

class ExecRefused extends Error {}

/** The exec agent of a control-plane client that can carry exec sessions (the HTTP one can). */
export function execAgentFor(client: ControlPlaneClient, deps: Omit<ExecAgentDeps, 'client'>): ExecAgent | undefined {
  const { execSessions, dialExec } = client;
  if (!execSessions || !dialExec) return undefined;
  return new ExecAgent({ ...deps, client: { execSessions: execSessions.bind(client), dialExec: dialExec.bind(client) } });
}
