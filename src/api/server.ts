/**
 * The edge: one HTTP port for every AWS-compatible API, the agent protocol and Pier's own admin
 * routes. AWS requests are routed by the SigV4 credential scope's service name, then by
 * X-Amz-Target inside the service. Every AWS request is signature-checked before it is parsed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Identities } from './auth/identities.js';
import type { Authorizer } from './authorize.js';
import { guardFramed } from './authorize-framed.js';
import { guardJson, guardQuery, guardRest } from './authorize-services.js';
import type { LogsContext } from '../logs/context.js';
import type { ControlPlane } from '../control-plane/context.js';
import type { EcsTaskMetrics } from '../metrics/ecs/ecs-task-metrics.js';
import type { PierHealth } from '../metrics/prometheus/pier-health.js';
import { CONTENT_TYPE as PROMETHEUS_TEXT } from '../metrics/prometheus/registry.js';
import { AgentProtocolError } from '../control-plane/hosts.js';
import { interruptOnRequest, parseInterruptRequest } from '../control-plane/spot-interruptions.js';
import { costReport, parseCostsRequest } from '../control-plane/task-costs.js';
import { DEFAULT_PRICES, type PriceTable } from '../metering/prices.js';
import { AccessDeniedException, AwsError, RequestEntityTooLargeException, UnknownOperationException } from '../ecs/errors.js';
import { parseAuthorization, verifySigV4 } from './auth/sigv4.js';
import { handleAgent, type AgentSecrets } from './agent-routes.js';
import { operationOf, type FramedService } from './framed-service.js';
import { dispatchJson, type CallContext, type JsonService } from './json-service.js';
import { dispatchRest, type RestService } from './rest-service.js';
import { handleQuery, sendQueryError, type QueryService } from './query-service.js';
import { sendError, sendJson, sendRestJsonError, toAwsError } from './protocol.js';
import { handleDistribution } from './distribution-api.js';
import { isRegistryPath } from './distribution-routes.js';
import { attachExecRoutes, handleExecPoll, isExecPollRequest } from './exec-routes.js';
import type { Registry } from '../registry/registry.js';
import { consoleHandler, isConsolePath, type ConsoleHandler } from '../console/console-routes.js';
import { ConsoleSessions } from '../console/sessions.js';

/** IAM and global STS are signed for us-east-1 by the SDKs whatever region the client is in. */
const GLOBAL_SERVICES: ReadonlyMap<string, string> = new Map([['iam', 'us-east-1'], ['sts', 'us-east-1']]);

export const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** How much of a refused body is read and dropped before the connection is cut. */
const DISCARD_LIMIT_BYTES = 16 * 1024 * 1024;

export interface EdgeOptions {
  readonly cp: ControlPlane;
  readonly services: readonly JsonService[];
  readonly restServices?: readonly RestService[];
  /** Query-protocol services (EC2); they write their own XML responses and errors. */
  readonly queryServices?: readonly QueryService[];
  /** Services that frame their own requests in several protocols (CloudWatch). */
  readonly framedServices?: readonly FramedService[];
  /** Secrets and principals of access keys (verification is on every request's hot path). */
  readonly identities: Identities;
  /** Decides every call of a principal other than the root (IAM users, role sessions); without it every signed call is allowed. */
  readonly authorizer?: Authorizer;
  readonly joinToken: string;
  /** The log store the awslogs driver's agent route appends to. */
  readonly logs?: LogsContext;
  /** Where the agent route reads tasks' `secrets` from, as their execution roles. */
  readonly agentSecrets?: AgentSecrets;
  /** Task metrics (the agent route stores them) and Pier's health (GET /metrics, request counts). */
  readonly metrics?: { readonly tasks: EcsTaskMetrics; readonly health: PierHealth };
  /** Present only when started with --allow-reset. */
  readonly reset?: () => Promise<void>;
  /** The prices `/_pier/costs` charges at (`pier up --price-table`); Fargate's us-east-1 list prices when unset. */
  readonly prices?: PriceTable;
  /** The built-in image registry, served at `/v2/` (its bodies stream, so it goes before the body is read). */
  readonly registry?: Registry;
}

class BodyTooLarge extends Error {}

type AnyService = { kind: 'json'; service: JsonService } | { kind: 'rest'; service: RestService } | { kind: 'query'; service: QueryService }
  | { kind: 'framed'; service: FramedService };

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function createEdge(opts: EdgeOptions): Server {
  // Every operation of every service is authorised here, once, before it runs (authorize-services.ts).
  const authz = opts.authorizer;
  const bySigningName = new Map<string, AnyService>(opts.services.map((s) => [s.signingName, { kind: 'json', service: authz ? guardJson(authz, s) : s }]));
  for (const s of opts.restServices ?? []) bySigningName.set(s.signingName, { kind: 'rest', service: authz ? guardRest(authz, s) : s });
  for (const s of opts.queryServices ?? []) bySigningName.set(s.signingName, { kind: 'query', service: authz ? guardQuery(authz, s) : s });
  for (const s of opts.framedServices ?? []) bySigningName.set(s.signingName, { kind: 'framed', service: authz ? guardFramed(authz, s) : s });
  const consoleRoutes = consoleHandler({
    sessions: new ConsoleSessions((id) => opts.identities.secretFor(id, undefined), opts.cp.clock),
    principalFor: (id) => opts.identities.principalFor(id, undefined),
    serveAs: (name, ctx, req, res, url, body) => serveAs(opts, bySigningName, name, ctx, req, res, url, body),
    taskFigures: opts.metrics ? () => opts.metrics!.tasks.current(opts.cp.clock.now()) : undefined,
  });
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://pier.invalid').pathname;
    if (opts.registry && isRegistryPath(pathname)) {
      void handleDistribution(opts.registry, req, res);
      return;
    }
    if (isExecPollRequest(pathname)) {
      void handleExecPoll(opts.cp, req, res);
      return;
    }
    void handle(opts, bySigningName, consoleRoutes, req, res);
  });
  attachExecRoutes(server, { cp: opts.cp, identities: opts.identities });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

async function handle(opts: EdgeOptions, services: Map<string, AnyService>, consoleRoutes: ConsoleHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const url = new URL(req.url ?? '/', 'http://pier.invalid');
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (err) {
    if (err instanceof BodyTooLarge) {
      // Read and discard the rest, so a client still sending gets to read the 413 instead of a
      // broken pipe; past a bound, cut the connection.
      let discarded = 0;
      req.on('data', (c: Buffer) => {
        discarded += c.length;
        if (discarded > DISCARD_LIMIT_BYTES) req.socket.destroy();
      });
      req.resume();
      sendError(res, requestId, new RequestEntityTooLargeException(`Request body is larger than ${MAX_BODY_BYTES} bytes.`));
    } else {
      res.destroy();
    }
    return;
  }
  if (opts.metrics) recordWhenDone(opts.metrics.health, services, req, res, url, body);
  try {
    if (url.pathname.startsWith('/agent/')) {
      await handleAgentRequest(opts, req, res, url, body, requestId);
    } else if (url.pathname === '/_pier/health' && req.method === 'GET') {
      sendJson(res, requestId, 200, { status: 'ok' }, 'application/json');
    } else if (url.pathname === '/metrics' && req.method === 'GET' && opts.metrics) {
      sendJson(res, requestId, 200, await opts.metrics.health.render(), PROMETHEUS_TEXT);
    } else if (isConsolePath(url.pathname)) {
      await consoleRoutes(req, res, url, body, requestId);
    } else {
      await handleAws(opts, services, req, res, url, body, requestId);
    }
  } catch (err) {
    const aws = toAwsError(err, opts.cp.log, requestId);
    if (restRequest.has(req)) sendRestJsonError(res, requestId, aws);
    else {
      const entry = services.get(signingService(req) ?? '');
      if (entry?.kind === 'query') sendQueryError(res, requestId, queryAuthError(aws, entry.service.signingName), entry.service);
      else if (entry?.kind === 'framed') entry.service.sendError(req, url, res, requestId, queryAuthError(aws, entry.service.signingName));
      else sendError(res, requestId, aws);
    }
  }
}

/** Query-protocol services name the edge's authentication failures their own way. */
const QUERY_AUTH_CODES: Record<string, Record<string, string>> = {
  ec2: {
    UnrecognizedClientException: 'AuthFailure', ExpiredTokenException: 'AuthFailure',
    InvalidSignatureException: 'SignatureDoesNotMatch', IncompleteSignatureException: 'IncompleteSignature',
  },
  query: {
    UnrecognizedClientException: 'InvalidClientTokenId', ExpiredTokenException: 'ExpiredToken',
    InvalidSignatureException: 'SignatureDoesNotMatch', IncompleteSignatureException: 'IncompleteSignature',
    MissingAuthenticationTokenException: 'MissingAuthenticationToken',
  },
};

class RenamedError extends AwsError {
  override readonly fault: 'client' | 'server';
  override readonly status: number;
  constructor(readonly code: string, from: AwsError) {
    super(from.message);
    this.fault = from.fault;
    this.status = from.status;
  }
}

function queryAuthError(err: AwsError, signingName: string): AwsError {
  const code = QUERY_AUTH_CODES[signingName === 'ec2' ? 'ec2' : 'query']![err.code];
  return code ? new RenamedError(code, err) : err;
}

/** The credential scope's service of a request (when it has one), so a failed signature is answered in that service's protocol. */
function signingService(req: IncomingMessage): string | undefined {
  try {
    return parseAuthorization(req.headersDistinct as Record<string, string[] | undefined>).scope.service;
  } catch {
    return undefined;
  }
}

/** Requests routed to a rest-json service, so their errors use that protocol's shape. */
const restRequest = new WeakSet<IncomingMessage>();

async function handleAws(
  opts: EdgeOptions, services: Map<string, AnyService>, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, requestId: string,
): Promise<void> {
  const headers = req.headersDistinct as Record<string, string[] | undefined>;
  const caller = verifySigV4({ method: req.method ?? 'GET', url: req.url ?? '/', headers, body }, {
    nowMs: opts.cp.clock.now(),
    region: opts.cp.scope.region,
    lookupSecret: (id, token) => opts.identities.secretFor(id, token),
    globalServices: GLOBAL_SERVICES,
  });
  const principal = await opts.identities.principalFor(caller.accessKeyId, caller.sessionToken);
  const ctx = {
    accessKeyId: caller.accessKeyId, principalArn: principal.arn, principal, requestId,
    // For the aws:SourceIp and aws:SecureTransport condition keys.
    sourceIp: req.socket.remoteAddress, secureTransport: 'encrypted' in req.socket && req.socket.encrypted === true,
  };
  await serveAs(opts, services, caller.service, ctx, req, res, url, body);
}

/**
 * Answers a request as an authenticated principal: Pier's own routes, then the API `serviceName`.
 * Signed requests and the console's session calls both come through here, so whatever checks a
 * caller's rights here or below applies to both alike.
 */
async function serveAs(
  opts: EdgeOptions, services: Map<string, AnyService>, serviceName: string, ctx: CallContext,
  req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer,
): Promise<void> {
  const { principal, requestId } = ctx;
  if (url.pathname === '/_pier/reset' && req.method === 'POST' && opts.reset) {
    if (principal.kind !== 'root') throw new AccessDeniedException('Only the account root may reset Pier.');
    await opts.reset();
    sendJson(res, requestId, 200, { reset: true }, 'application/json');
    return;
  }
  if (url.pathname === '/_pier/spot/interrupt' && req.method === 'POST') {
    if (principal.kind !== 'root') throw new AccessDeniedException('Only the account root may interrupt Spot capacity.');
    const taskArns = await interruptOnRequest(opts.cp, parseInterruptRequest(body));
    sendJson(res, requestId, 200, { taskArns }, 'application/json');
    return;
  }
  if (url.pathname === '/_pier/costs' && req.method === 'POST') {
    if (principal.kind !== 'root') throw new AccessDeniedException('Only the account root may read Pier\'s costs.');
    sendJson(res, requestId, 200, await costReport(opts.cp, opts.prices ?? DEFAULT_PRICES, parseCostsRequest(body)), 'application/json');
    return;
  }
  const entry = services.get(serviceName);
  if (!entry) throw new UnknownOperationException(`Pier does not serve the '${serviceName}' API (yet). Served: ${[...services.keys()].join(', ')}.`);
  if (entry.kind === 'query') {
    await handleQuery(entry.service, url, body, ctx, res, opts.cp.log);
    return;
  }
  if (entry.kind === 'framed') {
    await entry.service.handle(req, url, body, ctx, res, opts.cp.log);
    return;
  }
  if (entry.kind === 'rest') {
    restRequest.add(req);
    const out = await dispatchRest(entry.service, req.method ?? 'GET', url, body, ctx);
    if (out.body === undefined) {
      res.writeHead(out.status, { 'x-amzn-requestid': requestId, 'content-length': 0 });
      res.end();
    } else {
      sendJson(res, requestId, out.status, out.body, 'application/json');
    }
    return;
  }
  const service = entry.service;
  if (req.method !== 'POST' || url.pathname !== '/') {
    throw new UnknownOperationException(`${service.signingName} takes POST / with X-Amz-Target; got ${req.method} ${url.pathname}.`);
  }
  const target = req.headers['x-amz-target'];
  const result = await dispatchJson(service, typeof target === 'string' ? target : undefined, body, ctx);
  sendJson(res, requestId, 200, result ?? {});
}

async function handleAgentRequest(opts: EdgeOptions, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, requestId: string): Promise<void> {
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  try {
    const out = await handleAgent(opts.cp, opts.joinToken, req, url, body, abort.signal, opts.logs, opts.metrics?.tasks, opts.agentSecrets);
    if (!res.destroyed) sendJson(res, requestId, out.status, out.body, 'application/json');
  } catch (err) {
    if (err instanceof AgentProtocolError) {
      sendJson(res, requestId, err.status, { code: err.code, message: err.message }, 'application/json');
    } else if (err instanceof AwsError) {
      throw err;
    } else {
      opts.cp.log.error('agent request failed', { requestId, error: err instanceof Error ? err.stack : String(err) });
      sendJson(res, requestId, 500, { code: 'InternalError', message: 'Internal error' }, 'application/json');
    }
  }
}

const AGENT_ROUTES = new Set(['register', 'heartbeat', 'tasks', 'reports', 'credentials', 'logs', 'metrics']);

/**
 * Counts a request and its latency once its answer is sent: AWS calls by signing name and
 * operation, agent calls by route. Unsigned and unknown requests are counted under 'unknown'.
 */
function recordWhenDone(health: PierHealth, services: Map<string, AnyService>, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
  const started = performance.now();
  res.once('finish', () => {
    const seconds = (performance.now() - started) / 1000;
    if (url.pathname.startsWith('/agent/')) {
      const route = url.pathname === '/agent/v1/hosts' ? 'register' : url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
      health.recordAgent(AGENT_ROUTES.has(route) ? route : 'unknown', res.statusCode, seconds);
      return;
    }
    if (url.pathname === '/metrics' || url.pathname === '/_pier/health') return;
    const service = signingService(req);
    const entry = services.get(service ?? '');
    let operation: string | undefined;
    if (entry?.kind === 'rest') operation = `${req.method ?? 'GET'} ${url.pathname.split('/').slice(0, 3).join('/')}`;
    else if (entry) {
      // Only operations the service knows become labels: clients cannot mint new series.
      const named = operationOf(req, url, body);
      const known = entry.kind === 'framed' ? entry.service.operations.includes(named ?? '') : entry.service.model.hasOperation(named ?? '');
      operation = known ? named : undefined;
    }
    health.recordApi(entry ? service! : 'unknown', operation ?? 'unknown', res.statusCode, seconds);
  });
}
