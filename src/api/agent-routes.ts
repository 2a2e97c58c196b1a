/**
 * HTTP routes of the agent protocol (docs/agent-protocol.md):
 *   POST /agent/v1/hosts                       register (Bearer join token)
 *   POST /agent/v1/hosts/{id}/heartbeat        (Bearer host token)
 *   GET  /agent/v1/hosts/{id}/tasks?since=&waitSeconds=   assignments, long-poll
 *   POST /agent/v1/hosts/{id}/reports          {taskArn, report}: observed task state
 *   POST /agent/v1/hosts/{id}/credentials      {taskArn}: the task role's temporary credentials
 *   POST /agent/v1/hosts/{id}/secrets          {taskArn}: its `secrets` and `repositoryCredentials`, read as its execution role
 *   POST /agent/v1/hosts/{id}/logs             ShipLogsRequest: a container's awslogs events
 *   POST /agent/v1/hosts/{id}/metrics          ReportMetricsRequest: readings of the host's running tasks
 *   GET  /agent/v1/hosts/{id}/load-balancers?since=&waitSeconds=   LoadBalancingAssignment, long-poll
 *   POST /agent/v1/hosts/{id}/target-health    ReportTargetHealthRequest: the host's latest target health
 *   POST /agent/v1/hosts/{id}/load-balancer-metrics   ReportLoadBalancerTrafficRequest: what the host's HAProxy counted
 */
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { ContainerStatus, HealthStatus, StopCode, TaskStatus } from '../ecs/enums.js';
import { AwsError } from '../ecs/errors.js';
import type { ControlPlane } from '../control-plane/context.js';
import {
  AgentProtocolError, assignments, authenticateHost, heartbeat, registerHost, reportTask,
} from '../control-plane/hosts.js';
import { issueTaskCredentials } from '../control-plane/task-roles.js';
import { loadBalancingAssignment, parseReportTargetHealth, reportTargetHealth } from '../control-plane/load-balancing.js';
import type { LogSource, RegisterHostRequest, ShipLogsRequest, TaskReport } from '../protocol/agent.js';
import { batchOf } from '../logs/event-batch.js';
import { decodeShipBody, SHIP_BODY_TYPE, ShipBodyError } from '../logs/ship-body.js';
import { ShipTargetCache, shipTaskLogs } from '../control-plane/task-logs.js';
import type { LogsContext } from '../logs/context.js';
import type { HostRecord } from '../store/store.js';
import { parseReportMetrics, type EcsTaskMetrics } from '../metrics/ecs/ecs-task-metrics.js';
import { ingestLoadBalancerTraffic, parseReportLoadBalancerTraffic } from '../metrics/elb/load-balancer-traffic.js';
import { resolveTaskSecrets, type ExecutionRoleSources } from '../control-plane/task-secrets.js';

/** Where a task's secrets are read from, and the policy check its execution role's reads go through. */
export type AgentSecrets = ExecutionRoleSources;

const HOST_PATH = /^\/agent\/v1\/hosts\/(h-[0-9a-f]{32})\/(heartbeat|tasks|reports|credentials|secrets|logs|metrics|load-balancers|target-health|load-balancer-metrics)$/;

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice('Bearer '.length).trim() : undefined;
}

function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const v = JSON.parse(body.toString('utf8') || '{}') as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AgentProtocolError(400, 'BadRequest', 'Body must be a JSON object.');
}

const oneOf = <T extends string>(values: Record<string, T>, v: unknown, field: string): T | undefined => {
  if (v === undefined) return undefined;
  if (typeof v === 'string' && Object.values(values).includes(v as T)) return v as T;
  throw new AgentProtocolError(400, 'BadRequest', `${field} must be one of ${Object.values(values).join(', ')}.`);
};
const optNumber = (v: unknown, field: string): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new AgentProtocolError(400, 'BadRequest', `${field} must be a number.`);
};
const optString = (v: unknown, field: string): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  throw new AgentProtocolError(400, 'BadRequest', `${field} must be a string.`);
};

export function parseTaskReport(raw: unknown): TaskReport {
  if (!raw || typeof raw !== 'object') throw new AgentProtocolError(400, 'BadRequest', 'report must be an object.');
  const r = raw as Record<string, unknown>;
  const lastStatus = oneOf(TaskStatus, r.lastStatus, 'report.lastStatus');
  if (!lastStatus) throw new AgentProtocolError(400, 'BadRequest', 'report.lastStatus is required.');
  const containers = r.containers === undefined ? undefined : Array.isArray(r.containers) ? r.containers : undefined;
  if (r.containers !== undefined && !containers) throw new AgentProtocolError(400, 'BadRequest', 'report.containers must be a list.');
  const report: TaskReport = { lastStatus };
  const at = optNumber(r.at, 'report.at');
  if (at !== undefined) report.at = at;
  const ps = optNumber(r.pullStartedAt, 'report.pullStartedAt');
  if (ps !== undefined) report.pullStartedAt = ps;
  const pe = optNumber(r.pullStoppedAt, 'report.pullStoppedAt');
  if (pe !== undefined) report.pullStoppedAt = pe;
  const health = oneOf(HealthStatus, r.healthStatus, 'report.healthStatus');
  if (health) report.healthStatus = health;
  const stopCode = oneOf(StopCode, r.stopCode, 'report.stopCode');
  if (stopCode) report.stopCode = stopCode;
  const reason = optString(r.stoppedReason, 'report.stoppedReason');
  if (reason !== undefined) report.stoppedReason = reason.slice(0, 1024);
  if (containers) {
    report.containers = containers.map((c, i) => {
      const o = (c ?? {}) as Record<string, unknown>;
      const name = optString(o.name, `report.containers.${i}.name`);
      const status = oneOf(ContainerStatus, o.lastStatus, `report.containers.${i}.lastStatus`);
      if (!name || !status) throw new AgentProtocolError(400, 'BadRequest', `report.containers.${i} needs name and lastStatus.`);
      const exitCode = optNumber(o.exitCode, `report.containers.${i}.exitCode`);
      const runtimeId = optString(o.runtimeId, `report.containers.${i}.runtimeId`);
      const imageDigest = optString(o.imageDigest, `report.containers.${i}.imageDigest`);
      const creason = optString(o.reason, `report.containers.${i}.reason`);
      const h = oneOf(HealthStatus, o.healthStatus, `report.containers.${i}.healthStatus`);
      return {
        name, lastStatus: status,
        ...(exitCode !== undefined ? { exitCode } : {}), ...(runtimeId !== undefined ? { runtimeId } : {}),
        ...(imageDigest !== undefined ? { imageDigest } : {}), ...(creason !== undefined ? { reason: creason } : {}),
        ...(h ? { healthStatus: h } : {}),
      };
    });
  }
  if (r.networkInterface !== undefined) {
    const n = r.networkInterface as Record<string, unknown>;
    report.networkInterface = {
      ...(typeof n.privateIPv4Address === 'string' ? { privateIPv4Address: n.privateIPv4Address } : {}),
      ...(typeof n.macAddress === 'string' ? { macAddress: n.macAddress } : {}),
      ...(typeof n.networkInterfaceId === 'string' ? { networkInterfaceId: n.networkInterfaceId } : {}),
    };
  }
  return report;
}

function parseShipLogs(b: Record<string, unknown>): ShipLogsRequest {
  const offset = (v: unknown, field: string): number => {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
    throw new AgentProtocolError(400, 'BadRequest', `${field} must be a byte offset.`);
  };
  if (typeof b.taskArn !== 'string' || typeof b.containerName !== 'string') throw new AgentProtocolError(400, 'BadRequest', 'taskArn and containerName are required.');
  if (b.source !== 'stdout' && b.source !== 'stderr') throw new AgentProtocolError(400, 'BadRequest', 'source must be stdout or stderr.');
  if (!Array.isArray(b.events)) throw new AgentProtocolError(400, 'BadRequest', 'events must be a list.');
  const events = b.events.map((e: unknown, i: number) => {
    const o = (e ?? {}) as Record<string, unknown>;
    if (typeof o.message !== 'string' || typeof o.timestamp !== 'number') throw new AgentProtocolError(400, 'BadRequest', `events.${i} needs timestamp and message.`);
    return { timestamp: o.timestamp, message: o.message, offset: offset(o.offset, `events.${i}.offset`) };
  });
  return { taskArn: b.taskArn, containerName: b.containerName, source: b.source, fromOffset: offset(b.fromOffset, 'fromOffset'), toOffset: offset(b.toOffset, 'toOffset'), events: batchOf(events) };
}

/** The binary body the agent sends (src/logs/ship-body.ts), or JSON. */
function parseShipLogsBody(req: IncomingMessage, body: Buffer): ShipLogsRequest {
  if (req.headers['content-type'] !== SHIP_BODY_TYPE) return parseShipLogs(parseJson(body));
  try {
    const { header, events } = decodeShipBody(body);
    return { ...header, source: header.source as LogSource, events };
  } catch (err) {
    if (err instanceof ShipBodyError) throw new AgentProtocolError(400, 'BadRequest', err.message);
    throw err;
  }
}

/**
 * The logs route without HTTP, for the agent `pier up` runs in the server's own process: the same
 * host check and handler, the same answers (status and body) the route would send. Log batches are
 * the one call heavy enough for the transport to matter: encoding, a loopback round trip and
 * decoding cost about as much per line as storing it. The host's record and each container's
 * target are reused for a second (a host marked LOST is refused within it).
 */
export function inProcessLogRoute(cp: ControlPlane, logs: LogsContext): (hostId: string, hostToken: string, req: ShipLogsRequest) => Promise<{ status: number; body: unknown }> {
  const targets = new ShipTargetCache();
  let host: { record: HostRecord; token: string; until: number } | undefined;
  return async (hostId, hostToken, req) => {
    try {
      if (!host || host.record.id !== hostId || host.token !== hostToken || host.until <= Date.now()) {
        host = { record: await authenticateHost(cp, hostId, hostToken), token: hostToken, until: Date.now() + 1_000 };
      }
      return { status: 200, body: await shipTaskLogs(cp, logs, host.record, req, targets) };
    } catch (err) {
      if (err instanceof AgentProtocolError) return { status: err.status, body: { code: err.code, message: err.message } };
      if (err instanceof AwsError) return { status: err.status, body: { code: err.code, message: err.message } };
      cp.log.error('agent request failed', { route: 'logs', error: err instanceof Error ? err.stack : String(err) });
      return { status: 500, body: { code: 'InternalError', message: 'Internal error' } };
    }
  };
}

export async function handleAgent(
  cp: ControlPlane, joinToken: string, req: IncomingMessage, url: URL, body: Buffer, abort: AbortSignal, logs?: LogsContext, metrics?: EcsTaskMetrics,
  secrets?: AgentSecrets,
): Promise<{ status: number; body: unknown }> {
  if (url.pathname === '/agent/v1/hosts' && req.method === 'POST') {
    if (!sameSecret(bearer(req), joinToken)) throw new AgentProtocolError(401, 'Unauthorized', 'Registration needs the join token (DIR/agent-token).');
    return { status: 200, body: await registerHost(cp, parseJson(body) as unknown as RegisterHostRequest) };
  }
  const m = HOST_PATH.exec(url.pathname);
  if (!m) throw new AgentProtocolError(404, 'NotFound', `No agent route ${req.method} ${url.pathname}.`);
  const [, hostId, action] = m as unknown as [string, string, string];
  const host = await authenticateHost(cp, hostId, bearer(req));
  if (action === 'heartbeat' && req.method === 'POST') {
    await heartbeat(cp, host);
    return { status: 200, body: {} };
  }
  if (action === 'tasks' && req.method === 'GET') {
    const wait = Math.min(Number(url.searchParams.get('waitSeconds') ?? 0) || 0, 60);
    return { status: 200, body: await assignments(cp, host, url.searchParams.get('since') ?? undefined, wait * 1000, abort) };
  }
  if (action === 'reports' && req.method === 'POST') {
    const b = parseJson(body);
    if (typeof b.taskArn !== 'string') throw new AgentProtocolError(400, 'BadRequest', 'taskArn is required.');
    return { status: 200, body: await reportTask(cp, host, b.taskArn, parseTaskReport(b.report)) };
  }
  if (action === 'credentials' && req.method === 'POST') {
    const b = parseJson(body);
    if (typeof b.taskArn !== 'string') throw new AgentProtocolError(400, 'BadRequest', 'taskArn is required.');
    return { status: 200, body: await issueTaskCredentials(cp, host, b.taskArn) };
  }
  if (action === 'secrets' && req.method === 'POST') {
    if (!secrets) throw new AgentProtocolError(503, 'SecretsUnavailable', 'This server reads no secrets.');
    const b = parseJson(body);
    if (typeof b.taskArn !== 'string') throw new AgentProtocolError(400, 'BadRequest', 'taskArn is required.');
    return { status: 200, body: await resolveTaskSecrets(cp, secrets, host, b.taskArn) };
  }
  if (action === 'logs' && req.method === 'POST') {
    if (!logs) throw new AgentProtocolError(503, 'LogsUnavailable', 'This server has no log store.');
    return { status: 200, body: await shipTaskLogs(cp, logs, host, parseShipLogsBody(req, body)) };
  }
  if (action === 'metrics' && req.method === 'POST') {
    if (!metrics) throw new AgentProtocolError(503, 'MetricsUnavailable', 'This server has no metric store.');
    return { status: 200, body: await metrics.ingest(host, parseReportMetrics(parseJson(body))) };
  }
  if (action === 'load-balancers' && req.method === 'GET') {
    const wait = Math.min(Number(url.searchParams.get('waitSeconds') ?? 0) || 0, 60);
    return { status: 200, body: await loadBalancingAssignment(cp, url.searchParams.get('since') ?? undefined, wait * 1000, abort) };
  }
  if (action === 'target-health' && req.method === 'POST') {
    return { status: 200, body: await reportTargetHealth(cp, host, parseReportTargetHealth(parseJson(body))) };
  }
  if (action === 'load-balancer-metrics' && req.method === 'POST') {
    if (!metrics) throw new AgentProtocolError(503, 'MetricsUnavailable', 'This server has no metric store.');
    return { status: 200, body: await ingestLoadBalancerTraffic(metrics.metrics, parseReportLoadBalancerTraffic(parseJson(body))) };
  }
  throw new AgentProtocolError(405, 'MethodNotAllowed', `${req.method} is not allowed on ${url.pathname}.`);
}
