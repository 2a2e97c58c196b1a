/**
 * The agent's only way to the control plane: the agent protocol over HTTP (docs/agent-protocol.md).
 * The agent never touches the store; everything it learns comes through here. (An agent in the
 * server's process ships log batches to the logs route's handler directly: InProcessLogRoute.)
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { encodeShipBody, SHIP_BODY_TYPE } from '../logs/ship-body.js';
import { dialUpgrade } from '../lib/http-upgrade.js';
import { EXEC_UPGRADE, type ExecAssignment } from '../protocol/exec-stream.js';
import type {
  AssignmentsResponse, RegisterHostRequest, RegisterHostResponse, ReportMetricsRequest, ReportMetricsResponse, ShipLogsRequest, ShipLogsResponse,
  TaskCredentialsResponse, TaskReport, TaskSecretsResponse,
} from '../protocol/agent.js';
import type {
  LoadBalancingAssignment, ReportLoadBalancerTrafficRequest, ReportLoadBalancerTrafficResponse, ReportTargetHealthRequest,
} from '../protocol/load-balancing.js';

export class ControlPlaneError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export interface ControlPlaneClient {
  register(req: RegisterHostRequest): Promise<RegisterHostResponse>;
  heartbeat(): Promise<void>;
  /** Long-polls until the host's task set differs from `since` or `waitSeconds` pass. */
  assignments(since: string | undefined, waitSeconds: number, signal?: AbortSignal): Promise<AssignmentsResponse>;
  report(taskArn: string, report: TaskReport): Promise<{ lastStatus: string; desiredStatus: string; version: number }>;
  /** Fresh temporary credentials for a task of this host that has a task role. */
  taskCredentials(taskArn: string): Promise<TaskCredentialsResponse>;
  /** A task's `secrets` and `repositoryCredentials`, read as its execution role. */
  taskSecrets(taskArn: string): Promise<TaskSecretsResponse>;
  /** awslogs events of a container of a task of this host. */
  shipLogs(req: ShipLogsRequest): Promise<ShipLogsResponse>;
  /** Readings of this host's running tasks (CPU, memory, network). */
  reportMetrics(req: ReportMetricsRequest): Promise<ReportMetricsResponse>;
  /** Long-polls the load balancers this host runs until they differ from `since` or `waitSeconds` pass. */
  loadBalancers(since: string | undefined, waitSeconds: number, signal?: AbortSignal): Promise<LoadBalancingAssignment>;
  /** The health of every target this host checks (replaces its previous report). */
  reportTargetHealth(req: ReportTargetHealthRequest): Promise<void>;
  /** What this host's HAProxy counted (published as AWS/ApplicationELB metrics). */
  reportLoadBalancerTraffic(req: ReportLoadBalancerTrafficRequest): Promise<ReportLoadBalancerTrafficResponse>;
  /** Long-polls the exec sessions (ECS Exec) this host should run until one comes or `waitSeconds` pass. */
  execSessions?(waitSeconds: number, signal?: AbortSignal): Promise<{ sessions: ExecAssignment[] }>;
  /** Dials back for an exec session: the connection the server splices to its caller (docs/exec.md). */
  dialExec?(sessionId: string): Promise<Duplex>;
}

/**
 * The server's logs route called directly, when the agent runs in the server's process (`pier up`):
 * answers what the route would send over HTTP.
 */
export type InProcessLogRoute = (hostId: string, hostToken: string, req: ShipLogsRequest) => Promise<{ status: number; body: unknown }>;

/** Log batches go over kept-alive connections of their own (shipLogs). */
const shipHttpAgent = new HttpAgent({ keepAlive: true });
const shipHttpsAgent = new HttpsAgent({ keepAlive: true });

export class HttpControlPlaneClient implements ControlPlaneClient {
  private hostId: string | undefined;
  private hostToken: string | undefined;

  constructor(private readonly serverUrl: string, private readonly joinToken: string, private readonly logRoute?: InProcessLogRoute) {}

  async register(req: RegisterHostRequest): Promise<RegisterHostResponse> {
    const res = await this.call<RegisterHostResponse>('POST', '/agent/v1/hosts', this.joinToken, req);
    this.hostId = res.hostId;
    this.hostToken = res.hostToken;
    return res;
  }

  async heartbeat(): Promise<void> {
    await this.call('POST', `/agent/v1/hosts/${this.id()}/heartbeat`, this.hostToken!, {});
  }

  assignments(since: string | undefined, waitSeconds: number, signal?: AbortSignal): Promise<AssignmentsResponse> {
    const q = new URLSearchParams({ waitSeconds: String(waitSeconds), ...(since ? { since } : {}) });
    return this.call<AssignmentsResponse>('GET', `/agent/v1/hosts/${this.id()}/tasks?${q}`, this.hostToken!, undefined, signal);
  }

  report(taskArn: string, report: TaskReport): Promise<{ lastStatus: string; desiredStatus: string; version: number }> {
    return this.call('POST', `/agent/v1/hosts/${this.id()}/reports`, this.hostToken!, { taskArn, report });
  }

  taskCredentials(taskArn: string): Promise<TaskCredentialsResponse> {
    return this.call('POST', `/agent/v1/hosts/${this.id()}/credentials`, this.hostToken!, { taskArn });
  }

  taskSecrets(taskArn: string): Promise<TaskSecretsResponse> {
    return this.call('POST', `/agent/v1/hosts/${this.id()}/secrets`, this.hostToken!, { taskArn });
  }

  /**
   * Sent in the binary form (src/logs/ship-body.ts): no JSON per event either side. Through
   * node:http on kept-alive connections: fetch's per-request stream machinery and body copy cost
   * more than a batch's framing.
   */
  async shipLogs(req: ShipLogsRequest): Promise<ShipLogsResponse> {
    if (this.logRoute) {
      // Every await on this path settles without I/O: yield once per batch, or a backlog being
      // shipped would starve the loop's timers and sockets (heartbeats, API calls).
      await yieldToLoop();
      const { status, body } = await this.logRoute(this.id(), this.hostToken!, req);
      if (status < 200 || status >= 300) {
        const b = body as { code?: string; message?: string };
        throw new ControlPlaneError(status, b.code ?? 'Error', b.message ?? '');
      }
      return body as ShipLogsResponse;
    }
    const { events, ...header } = req;
    const body = encodeShipBody(header, events);
    const url = new URL(`/agent/v1/hosts/${this.id()}/logs`, this.serverUrl);
    const https = url.protocol === 'https:';
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const r = (https ? httpsRequest : httpRequest)(url, {
        method: 'POST', agent: https ? shipHttpsAgent : shipHttpAgent,
        headers: { authorization: `Bearer ${this.hostToken!}`, 'content-type': SHIP_BODY_TYPE, 'content-length': body.length },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      r.on('error', reject);
      r.end(body);
    });
    const parsed = (text ? JSON.parse(text) : {}) as ShipLogsResponse & { code?: string; message?: string };
    if (status < 200 || status >= 300) throw new ControlPlaneError(status, parsed.code ?? 'Error', parsed.message ?? text);
    return parsed;
  }

  reportMetrics(req: ReportMetricsRequest): Promise<ReportMetricsResponse> {
    return this.call('POST', `/agent/v1/hosts/${this.id()}/metrics`, this.hostToken!, req);
  }

  loadBalancers(since: string | undefined, waitSeconds: number, signal?: AbortSignal): Promise<LoadBalancingAssignment> {
    const q = new URLSearchParams({ waitSeconds: String(waitSeconds), ...(since ? { since } : {}) });
    return this.call<LoadBalancingAssignment>('GET', `/agent/v1/hosts/${this.id()}/load-balancers?${q}`, this.hostToken!, undefined, signal);
  }

  async reportTargetHealth(req: ReportTargetHealthRequest): Promise<void> {
    await this.call('POST', `/agent/v1/hosts/${this.id()}/target-health`, this.hostToken!, req);
  }

  reportLoadBalancerTraffic(req: ReportLoadBalancerTrafficRequest): Promise<ReportLoadBalancerTrafficResponse> {
    return this.call('POST', `/agent/v1/hosts/${this.id()}/load-balancer-metrics`, this.hostToken!, req);
  }

  execSessions(waitSeconds: number, signal?: AbortSignal): Promise<{ sessions: ExecAssignment[] }> {
    return this.call('GET', `/agent/v1/hosts/${this.id()}/exec-sessions?waitSeconds=${waitSeconds}`, this.hostToken!, undefined, signal);
  }

  dialExec(sessionId: string): Promise<Duplex> {
    const url = new URL(`/agent/v1/hosts/${this.id()}/exec-sessions/${encodeURIComponent(sessionId)}`, this.serverUrl);
    return dialUpgrade(url, EXEC_UPGRADE, { authorization: `Bearer ${this.hostToken!}` });
  }

  private id(): string {
    if (!this.hostId) throw new ControlPlaneError(0, 'NotRegistered', 'register() first');
    return this.hostId;
  }

  private async call<T>(method: string, path: string, token: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await fetch(new URL(path, this.serverUrl), {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as unknown) : {};
    if (!res.ok) {
      const e = parsed as { code?: string; message?: string };
      throw new ControlPlaneError(res.status, e.code ?? 'Error', e.message ?? text);
    }
    return parsed as T;
  }
}
