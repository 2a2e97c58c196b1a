/**
 * The data path of exec sessions (docs/exec.md). The caller and the agent each open an HTTP
 * upgrade (`Upgrade: pier-exec`) on the API port and the server splices the two sockets:
 *
 *   GET /_pier/exec/{sessionId}                                caller: SigV4 + the session token
 *   GET /agent/v1/hosts/{hostId}/exec-sessions?waitSeconds=N   agent: long-poll for sessions to run
 *   GET /agent/v1/hosts/{hostId}/exec-sessions/{sessionId}     agent: upgrade, dialled back per session
 *
 * Agents only dial the server (they may be behind NAT or on another machine), so the server never
 * connects to one: an attached caller waits until its agent dials back, or gets an ERROR frame.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ControlPlane } from '../control-plane/context.js';
import { AgentProtocolError, authenticateHost } from '../control-plane/hosts.js';
import { ExecAttachError, execSessionsOf } from '../control-plane/exec-sessions.js';
import { AwsError } from '../ecs/errors.js';
import { EXEC_UPGRADE, encodeFrame, FrameType, type ExecTerminal } from '../protocol/exec-stream.js';
import type { Identities } from './auth/identities.js';
import { verifySigV4 } from './auth/sigv4.js';

const CALLER_PATH = /^\/_pier\/exec\/(ecs-execute-command-[0-9a-f]{1,32})$/;
const POLL_PATH = /^\/agent\/v1\/hosts\/(h-[0-9a-f]{32})\/exec-sessions$/;
const AGENT_PATH = /^\/agent\/v1\/hosts\/(h-[0-9a-f]{32})\/exec-sessions\/(ecs-execute-command-[0-9a-f]{1,32})$/;

/** How long an attached caller waits for its task's agent to dial back. */
export const AGENT_DIAL_TIMEOUT_MS = 15_000;

export interface ExecRouteOptions {
  readonly cp: ControlPlane;
  readonly identities: Identities;
}

interface Waiting { readonly socket: Duplex; readonly head: Buffer; readonly timer: NodeJS.Timeout }

/** The agents' long poll is a plain request: the edge hands it here before reading a body. */
export const isExecPollRequest = (pathname: string): boolean => POLL_PATH.test(pathname);

/** Takes the exec upgrades of the server and records where callers attach once it listens. */
export function attachExecRoutes(server: Server, opts: ExecRouteOptions): void {
  const waiting = new Map<string, Waiting>();
  server.on('listening', () => {
    const a = server.address() as AddressInfo | null;
    if (!a || typeof a !== 'object') return;
    const host = a.address === '0.0.0.0' || a.address === '::' ? '127.0.0.1' : a.family === 'IPv6' ? `[${a.address}]` : a.address;
    execSessionsOf(opts.cp).streamBase = `ws://${host}:${a.port}`;
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://pier.invalid').pathname;
    const caller = CALLER_PATH.exec(path);
    const agent = AGENT_PATH.exec(path);
    if (!caller && !agent) {
      // Another listener may serve this upgrade; with none, refuse it.
      if (server.listenerCount('upgrade') === 1) refuse(socket, 404, 'NotFound', `No upgrade at ${path}.`);
      return;
    }
    socket.on('error', () => socket.destroy());
    if (String(req.headers.upgrade ?? '').toLowerCase() !== EXEC_UPGRADE) return refuse(socket, 400, 'BadRequest', `Upgrade must be ${EXEC_UPGRADE}.`);
    const done = caller ? attachCaller(opts, waiting, caller[1]!, req, socket, head) : dialAgent(opts, waiting, agent![1]!, agent![2]!, req, socket, head);
    done.catch((err: unknown) => {
      if (err instanceof ExecAttachError) refuse(socket, err.status, 'AccessDeniedException', err.message);
      else if (err instanceof AgentProtocolError) refuse(socket, err.status, err.code, err.message);
      else if (err instanceof AwsError) refuse(socket, err.status, err.code, err.message);
      else {
        opts.cp.log.error('exec upgrade failed', { error: err instanceof Error ? err.stack : String(err) });
        refuse(socket, 500, 'InternalError', 'Internal error');
      }
    });
  });
}

/** GET /agent/v1/hosts/{id}/exec-sessions: the sessions this host should run now. */
export async function handleExecPoll(cp: ControlPlane, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://pier.invalid');
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  try {
    if (req.method !== 'GET') throw new AgentProtocolError(405, 'MethodNotAllowed', `${req.method} is not allowed on ${url.pathname}.`);
    const host = await authenticateHost(cp, POLL_PATH.exec(url.pathname)![1]!, bearer(req));
    const wait = Math.min(Number(url.searchParams.get('waitSeconds') ?? 0) || 0, 60);
    const sessions = await execSessionsOf(cp).pendingFor(host.id, wait * 1000, abort.signal);
    if (!res.destroyed) sendJson(res, 200, { sessions });
  } catch (err) {
    if (err instanceof AgentProtocolError) return sendJson(res, err.status, { code: err.code, message: err.message });
    cp.log.error('exec poll failed', { error: err instanceof Error ? err.stack : String(err) });
    sendJson(res, 500, { code: 'InternalError', message: 'Internal error' });
  }
}

async function attachCaller(opts: ExecRouteOptions, waiting: Map<string, Waiting>, sessionId: string, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const signed = verifySigV4({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headersDistinct as Record<string, string[] | undefined>, body: Buffer.alloc(0) }, {
    nowMs: opts.cp.clock.now(), region: opts.cp.scope.region,
    lookupSecret: (id, token) => opts.identities.secretFor(id, token), globalServices: new Map(),
  });
  const principal = await opts.identities.principalFor(signed.accessKeyId, signed.sessionToken);
  const sessions = execSessionsOf(opts.cp);
  const session = sessions.attach(sessionId, header(req, 'x-pier-exec-token'), principal.arn, terminalOf(req));
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: ${EXEC_UPGRADE}\r\nconnection: Upgrade\r\n\r\n`);
  socket.pause(); // what the caller types waits in the socket until the agent is there
  const timer = setTimeout(() => {
    waiting.delete(sessionId);
    sessions.close(sessionId);
    socket.end(encodeFrame(FrameType.ERROR, `TargetNotConnectedException: the agent of ${session.taskArn} did not connect within ${AGENT_DIAL_TIMEOUT_MS / 1000} s. Try again later.`));
  }, AGENT_DIAL_TIMEOUT_MS);
  waiting.set(sessionId, { socket, head, timer });
  socket.once('close', () => {
    if (waiting.get(sessionId)?.socket !== socket) return;
    clearTimeout(timer);
    waiting.delete(sessionId);
    sessions.close(sessionId);
  });
}

async function dialAgent(opts: ExecRouteOptions, waiting: Map<string, Waiting>, hostId: string, sessionId: string, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const host = await authenticateHost(opts.cp, hostId, bearer(req));
  const sessions = execSessionsOf(opts.cp);
  const session = sessions.get(sessionId);
  const caller = waiting.get(sessionId);
  if (!session || session.hostId !== host.id || session.state !== 'dispatched' || !caller) {
    throw new AgentProtocolError(404, 'NoSuchSession', `No session ${sessionId} is waiting for this host.`);
  }
  clearTimeout(caller.timer);
  waiting.delete(sessionId);
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: ${EXEC_UPGRADE}\r\nconnection: Upgrade\r\n\r\n`);
  splice(caller.socket, caller.head, socket, head, () => sessions.close(sessionId));
}

/** Each side's bytes to the other, ends and errors included; `closed` once both are gone. */
function splice(a: Duplex, aHead: Buffer, b: Duplex, bHead: Buffer, closed: () => void): void {
  for (const s of [a, b]) {
    (s as Partial<import('node:net').Socket>).setNoDelay?.(true);
    (s as Partial<import('node:net').Socket>).setTimeout?.(0);
  }
  if (aHead.length) b.write(aHead);
  if (bHead.length) a.write(bHead);
  a.pipe(b);
  b.pipe(a);
  a.resume();
  let open = 2;
  const gone = (): void => {
    if (--open === 0) closed();
  };
  for (const [s, other] of [[a, b], [b, a]] as const) {
    s.once('close', () => {
      gone();
      if (!other.destroyed) other.end();
    });
    s.on('error', () => other.destroy());
  }
}

function terminalOf(req: IncomingMessage): ExecTerminal {
  const size = (name: string): number => Math.max(0, Math.min(0xffff, Math.trunc(Number(header(req, name)) || 0)));
  const term = header(req, 'x-pier-exec-term');
  return {
    tty: header(req, 'x-pier-exec-tty') === '1', rows: size('x-pier-exec-rows'), cols: size('x-pier-exec-cols'),
    ...(/^[A-Za-z0-9._+-]{1,64}$/.test(term) ? { term } : {}),
  };
}

const header = (req: IncomingMessage, name: string): string => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : '';
};

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice('Bearer '.length).trim() : undefined;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 500: 'Internal Server Error' };

function refuse(socket: Duplex, status: number, code: string, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ __type: code, code, message });
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
