/**
 * Exec sessions (ECS Exec): what ExecuteCommand issued, until the caller attaches with its token,
 * the task's agent picks the session up, and the two connections are spliced (src/api/exec-routes.ts).
 *
 *   issued ──attach (token, same principal)──▶ attached ──agent polls──▶ dispatched ──▶ closed
 *
 * Sessions live in the server's memory only: they are connections, not state worth keeping, and
 * a server restart ends them anyway. (Several servers would need the client and the agent on the
 * same one, or the splice forwarded between servers.)
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ControlPlane } from './context.js';
import { HostSignals } from './host-signals.js';
import type { ExecAssignment, ExecTerminal } from '../protocol/exec-stream.js';

export interface ExecSession {
  readonly sessionId: string;
  readonly principalArn: string;
  readonly hostId: string;
  readonly taskArn: string;
  readonly containerName: string;
  readonly command: string;
  readonly issuedAtMs: number;
  state: 'issued' | 'attached' | 'dispatched' | 'closed';
  terminal?: ExecTerminal;
}

export class ExecAttachError extends Error {
  constructor(readonly status: 401 | 403 | 404 | 409, message: string) {
    super(message);
  }
}

/** An issued session must be attached within this long (ECS's token is short-lived too). */
export const ATTACH_WITHIN_MS = 60_000;

const hashToken = (token: string): Buffer => createHash('sha256').update(token).digest();

export class ExecSessions {
  private readonly sessions = new Map<string, ExecSession & { tokenHash: Buffer }>();
  /** Wakes the agents' long polls (the same wake-ups as their assignments', on a registry of its own). */
  private readonly signals = new HostSignals();

  /** Where callers attach (`ws://host:port`), set by the edge once it listens. */
  streamBase = 'ws://127.0.0.1';

  constructor(private readonly now: () => number) {}

  issue(session: Omit<ExecSession, 'state'>, token: string): void {
    this.sweep();
    this.sessions.set(session.sessionId, { ...session, state: 'issued', tokenHash: hashToken(token) });
  }

  /** The caller attaches: right token, same principal, still issued and not expired. */
  attach(sessionId: string, token: string, principalArn: string, terminal: ExecTerminal): ExecSession {
    this.sweep();
    const s = this.sessions.get(sessionId);
    if (!s) throw new ExecAttachError(404, `No exec session ${sessionId} (sessions must be attached within ${ATTACH_WITHIN_MS / 1000} s of ExecuteCommand).`);
    if (!timingSafeEqual(s.tokenHash, hashToken(token))) throw new ExecAttachError(401, 'The session token is not valid.');
    if (s.principalArn !== principalArn) throw new ExecAttachError(403, 'The session belongs to another principal.');
    if (s.state !== 'issued') throw new ExecAttachError(409, 'The session is already attached.');
    s.state = 'attached';
    s.terminal = terminal;
    this.signals.signal(s.hostId);
    return s;
  }

  get(sessionId: string): ExecSession | undefined {
    return this.sessions.get(sessionId);
  }

  close(sessionId: string): void {
    const s = this.sessions.get(sessionId);
    if (s) s.state = 'closed';
    this.sessions.delete(sessionId);
  }

  /** Sessions attached for this host, handed out once each; waits up to `waitMs` for one. */
  async pendingFor(hostId: string, waitMs: number, abort?: AbortSignal): Promise<ExecAssignment[]> {
    const deadline = this.now() + waitMs;
    for (;;) {
      const ready = [...this.sessions.values()].filter((s) => s.hostId === hostId && s.state === 'attached');
      if (ready.length > 0 || this.now() >= deadline || abort?.aborted) {
        for (const s of ready) s.state = 'dispatched';
        return ready.map((s) => ({
          sessionId: s.sessionId, taskArn: s.taskArn, containerName: s.containerName, command: s.command, terminal: s.terminal!,
        }));
      }
      await this.signals.wait(hostId, deadline - this.now(), abort);
    }
  }

  /** Issued sessions nobody attached in time are dropped. */
  private sweep(): void {
    const oldest = this.now() - ATTACH_WITHIN_MS;
    for (const [id, s] of this.sessions) if (s.state === 'issued' && s.issuedAtMs < oldest) this.sessions.delete(id);
  }
}

const byControlPlane = new WeakMap<ControlPlane, ExecSessions>();

/** The exec sessions of a control plane (one registry per server process). */
export function execSessionsOf(cp: ControlPlane): ExecSessions {
  let s = byControlPlane.get(cp);
  if (!s) byControlPlane.set(cp, (s = new ExecSessions(() => cp.clock.now())));
  return s;
}
