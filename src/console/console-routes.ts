/**
 * The web console's routes under /console/: its page and files, sign-in and sign-out, and the
 * calls the page makes. Those calls name an API (`/console/api/aws/ecs`, with the operation in
 * X-Amz-Target as the SDKs send it) and are answered by the edge's own handlers as the signed-in
 * principal (`serveAs`), exactly as a SigV4-signed call of that principal would be.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallContext } from '../api/json-service.js';
import { sendError, sendJson } from '../api/protocol.js';
import { AwsError, UnrecognizedClientException } from '../ecs/errors.js';
import type { Principal } from '../iam/principal.js';
import type { LatestFigures } from '../metrics/ecs/ecs-task-metrics.js';
import {
  clearedSessionCookie, CSRF_HEADER, overTls, sameOrigin, sessionCookie, sessionIdOf,
} from './request-guards.js';
import { SESSION_TTL_MS, type ConsoleSession, type ConsoleSessions } from './sessions.js';
import { CONSOLE_PATH, loadConsoleAssets, type ConsoleAssets } from './static-assets.js';
import { serveAsset } from './serve-asset.js';

/** APIs the page may call, by signing name. */
const CONSOLE_APIS = new Set(['ecs', 'logs', 'monitoring', 'ce', 'ec2']);
/** Pier's own routes the page may call, and the edge path that serves them. */
const PIER_ROUTES: ReadonlyMap<string, string> = new Map([['costs', '/_pier/costs']]);

export interface ConsoleDeps {
  readonly sessions: ConsoleSessions;
  readonly principalFor: (accessKeyId: string) => Promise<Principal>;
  /** The edge's own dispatch for an authenticated call (server.ts `serveAs`). */
  readonly serveAs: (serviceName: string, ctx: CallContext, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer) => Promise<void>;
  /** Running tasks' latest CPU and memory readings (the figures behind the AWS/ECS metrics). */
  readonly taskFigures?: (() => readonly LatestFigures[]) | undefined;
}

class SignInRequired extends AwsError {
  readonly code = 'MissingAuthenticationTokenException';
  override readonly status: number = 401;
}
class ForbiddenRequest extends AwsError {
  readonly code = 'AccessDeniedException';
  override readonly status: number = 403;
}
class NotFound extends AwsError {
  readonly code = 'ResourceNotFoundException';
  override readonly status: number = 404;
}

export const isConsolePath = (pathname: string): boolean => pathname === '/console' || pathname.startsWith(CONSOLE_PATH);

export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, requestId: string) => Promise<void>;

export function consoleHandler(deps: ConsoleDeps): ConsoleHandler {
  let assets: ConsoleAssets | undefined;
  return async (req, res, url, body, requestId) => {
    const path = url.pathname;
    if (!path.startsWith(`${CONSOLE_PATH}api/`)) {
      if (path === '/console') {
        res.writeHead(301, { location: CONSOLE_PATH, 'content-length': 0 });
        res.end();
        return;
      }
      serveAsset(req, res, (assets ??= loadConsoleAssets()), path);
      return;
    }
    res.setHeader('cache-control', 'no-store');
    try {
      await handleApi(deps, req, res, url, body, requestId);
    } catch (err) {
      if (!(err instanceof AwsError) || res.headersSent) throw err;
      sendError(res, requestId, err, 'application/json');
    }
  };
}

async function handleApi(deps: ConsoleDeps, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, requestId: string): Promise<void> {
  if (!sameOrigin(req)) throw new ForbiddenRequest('The console answers only its own page.');
  const route = url.pathname.slice(`${CONSOLE_PATH}api/`.length);
  if (route === 'session') {
    await sessionRoute(deps, req, res, body, requestId);
    return;
  }
  const session = deps.sessions.get(sessionIdOf(req));
  if (!session) throw new SignInRequired('Sign in to the console first.');
  if (req.headers[CSRF_HEADER] !== session.csrfToken) throw new ForbiddenRequest(`The request lacks the console's ${CSRF_HEADER} header.`);
  const principal = await deps.principalFor(session.accessKeyId);
  // The same context a signed request of this principal gets (the source address and transport feed IAM conditions).
  const ctx = {
    accessKeyId: session.accessKeyId, principalArn: principal.arn, principal, requestId,
    sourceIp: req.socket.remoteAddress, secureTransport: 'encrypted' in req.socket && req.socket.encrypted === true,
  };
  const [kind, name] = route.split('/');
  if (req.method === 'POST' && kind === 'aws' && name !== undefined && CONSOLE_APIS.has(name)) {
    await deps.serveAs(name, ctx, req, res, new URL('/', url), body);
  } else if (req.method === 'POST' && kind === 'pier' && name !== undefined && PIER_ROUTES.has(name)) {
    await deps.serveAs('', ctx, req, res, new URL(PIER_ROUTES.get(name)!, url), body);
  } else if (req.method === 'GET' && route === 'task-metrics') {
    sendJson(res, requestId, 200, { tasks: taskMetrics(deps, url.searchParams.get('cluster')) }, 'application/json');
  } else {
    throw new NotFound(`The console has no ${req.method} ${url.pathname}.`);
  }
}

async function sessionRoute(deps: ConsoleDeps, req: IncomingMessage, res: ServerResponse, body: Buffer, requestId: string): Promise<void> {
  const id = sessionIdOf(req);
  if (req.method === 'POST') {
    const { accessKeyId, secretAccessKey } = parseSignIn(req, body);
    const session = deps.sessions.signIn(accessKeyId, secretAccessKey);
    if (!session) throw new UnrecognizedClientException('The access key ID or secret access key is not right. Use the pair `pier up` wrote to its credentials file (`pier env` prints it).');
    deps.sessions.signOut(id);
    res.setHeader('set-cookie', sessionCookie(session.id, SESSION_TTL_MS / 1000, overTls(req)));
    sendJson(res, requestId, 200, await whoAmI(deps, session), 'application/json');
  } else if (req.method === 'GET') {
    const session = deps.sessions.get(id);
    sendJson(res, requestId, 200, session ? await whoAmI(deps, session) : { signedIn: false }, 'application/json');
  } else if (req.method === 'DELETE') {
    const session = deps.sessions.get(id);
    if (session && req.headers[CSRF_HEADER] !== session.csrfToken) throw new ForbiddenRequest(`The request lacks the console's ${CSRF_HEADER} header.`);
    deps.sessions.signOut(id);
    res.setHeader('set-cookie', clearedSessionCookie());
    res.writeHead(204, { 'x-amzn-requestid': requestId });
    res.end();
  } else {
    throw new NotFound(`The console has no ${req.method} /console/api/session.`);
  }
}

async function whoAmI(deps: ConsoleDeps, s: ConsoleSession): Promise<Record<string, unknown>> {
  const principal = await deps.principalFor(s.accessKeyId);
  return { signedIn: true, principalArn: principal.arn, accountId: principal.accountId, accessKeyId: s.accessKeyId, csrfToken: s.csrfToken, expiresAt: new Date(s.expiresAtMs).toISOString() };
}

function parseSignIn(req: IncomingMessage, body: Buffer): { accessKeyId: string; secretAccessKey: string } {
  // Only JSON: an HTML form on another site cannot send it without a preflight.
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new ForbiddenRequest('Sign in with a JSON body.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const o = (parsed ?? {}) as Record<string, unknown>;
  if (typeof o.accessKeyId !== 'string' || typeof o.secretAccessKey !== 'string' || !o.accessKeyId || !o.secretAccessKey) {
    throw new UnrecognizedClientException('Enter both the access key ID and the secret access key.');
  }
  return { accessKeyId: o.accessKeyId.trim(), secretAccessKey: o.secretAccessKey.trim() };
}

function taskMetrics(deps: ConsoleDeps, cluster: string | null): Record<string, unknown>[] {
  return (deps.taskFigures?.() ?? [])
    .filter((l) => cluster === null || l.facts.clusterName === cluster)
    .map(({ facts, figures }) => ({
      clusterName: facts.clusterName, taskId: facts.taskId, serviceName: facts.serviceName ?? null, at: figures.at,
      cpuPercent: figures.cpuPercent ?? null, memoryPercent: figures.memoryPercent ?? null,
      cpuUnits: figures.cpuUnits ?? null, memoryMiB: figures.memoryMiB ?? null,
    }));
}
