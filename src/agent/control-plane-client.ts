/**
 * The agent's only way to the control plane: the agent protocol over HTTP (docs/agent-protocol.md).
 * The agent never touches the store; everything it learns comes through here.
 */
import { encodeShipBody, SHIP_BODY_TYPE } from '../logs/ship-body.js';
import type {
  AssignmentsResponse, RegisterHostRequest, RegisterHostResponse, ReportMetricsRequest, ReportMetricsResponse, ShipLogsRequest, ShipLogsResponse,
  TaskCredentialsResponse, TaskReport,
} from '../protocol/agent.js';
import type { LoadBalancingAssignment, ReportTargetHealthRequest } from '../protocol/load-balancing.js';

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
  /** awslogs events of a container of a task of this host. */
  shipLogs(req: ShipLogsRequest): Promise<ShipLogsResponse>;
  /** Readings of this host's running tasks (CPU, memory, network). */
  reportMetrics(req: ReportMetricsRequest): Promise<ReportMetricsResponse>;
  /** Long-polls the load balancers this host runs until they differ from `since` or `waitSeconds` pass. */
  loadBalancers(since: string | undefined, waitSeconds: number, signal?: AbortSignal): Promise<LoadBalancingAssignment>;
  /** The health of every target this host checks (replaces its previous report). */
  reportTargetHealth(req: ReportTargetHealthRequest): Promise<void>;
}

/** The same bytes as fetch's body type (no copy). */
const asBytes = (b: Buffer): Uint8Array<ArrayBuffer> => new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.length);

export class HttpControlPlaneClient implements ControlPlaneClient {
  private hostId: string | undefined;
  private hostToken: string | undefined;

  constructor(private readonly serverUrl: string, private readonly joinToken: string) {}

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

  /** Sent in the binary form (src/logs/ship-body.ts): no JSON per event either side. */
  async shipLogs(req: ShipLogsRequest): Promise<ShipLogsResponse> {
    const { events, ...header } = req;
    const res = await fetch(new URL(`/agent/v1/hosts/${this.id()}/logs`, this.serverUrl), {
      method: 'POST', headers: { authorization: `Bearer ${this.hostToken!}`, 'content-type': SHIP_BODY_TYPE }, body: asBytes(encodeShipBody(header, events)),
    });
    const parsed = (await res.json()) as ShipLogsResponse & { code?: string; message?: string };
    if (!res.ok) throw new ControlPlaneError(res.status, parsed.code ?? 'Error', parsed.message ?? `HTTP ${res.status}`);
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
