/**
 * The agent's in-task endpoint, reached from tasks as 169.254.170.2:80: nftables on Pier's bridges
 * DNATs that to this server on 127.0.0.1 (the ECS agent's own arrangement), so nothing off the
 * host can reach it and several agents on one machine each have their own.
 *
 * A caller is identified by its source address, which anti-spoofing on its bridge port makes
 * trustworthy, and is answered only about its own task: a path naming another task's container,
 * or a credentials id that is not its task's, gets 404 like an unknown one.
 *
 *   GET /v4/<container runtime id>             the caller's container        (also /v3/…)
 *   GET /v4/<container runtime id>/task        the task and all its containers
 *   GET /v4/<container runtime id>/stats       Docker stats of that container (container-stats.ts)
 *   GET /v4/<container runtime id>/task/stats  the same for every container of the task, by id
 *   GET /v4/<container runtime id>/spot/interruption
 *                                              Pier's Fargate Spot notice: 404 until the task is
 *                                              interrupted, then {"action":"stop","time":…} (the shape
 *                                              of EC2's spot/instance-action), the time its stop begins
 *   GET /v2/credentials/<id>                   the task role's credentials (when a provider is given)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalContainer } from '../state/task-state.js';
import type { ContainerStatsProvider } from './container-stats.js';
import { dockerStats } from './stats-format.js';
import { containerMetadata, taskMetadata, type TaskView } from './task-metadata.js';

export interface TaskCredentials {
  RoleArn: string;
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  /** RFC 3339. */
  Expiration: string;
}

export interface EndpointDeps {
  /** The task whose ENI has this private address, if it runs here. */
  taskByAddress(ip: string): TaskView | undefined;
  /** The task role's credentials for a credentials id of this task; undefined when it has none. */
  credentials?(view: TaskView, id: string): Promise<TaskCredentials | undefined>;
  /** Containers' resource counters (the stats paths); without it no container has stats. */
  stats?: ContainerStatsProvider;
}

export class TaskEndpointServer {
  private server: Server | undefined;

  constructor(private readonly deps: EndpointDeps) {}

  /** Listens on 127.0.0.1 on a free port; returns the address the DNAT rule must send to. */
  async listen(port = 0): Promise<{ address: string; port: number }> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => send(res, 500, { message: `internal error: ${String(err)}` }));
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const a = server.address() as AddressInfo;
    return { address: a.address, port: a.port };
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { message: 'only GET is served here' });
    const caller = normaliseAddress(req.socket.remoteAddress ?? '');
    const view = this.deps.taskByAddress(caller);
    if (!view) return send(res, 404, { message: `no task here has the address ${caller}` });
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');

    const creds = /^\/v2\/credentials(?:\/(.*))?$/.exec(path);
    if (creds) {
      const id = creds[1] ?? '';
      if (id === '') return send(res, 400, { code: 'InvalidIdInRequest', message: 'CredentialsV2Request: invalid credentials ID' });
      const c = this.deps.credentials ? await this.deps.credentials(view, id) : undefined;
      if (!c) return send(res, 404, { code: 'NoIdInRequest', message: `CredentialsV2Request: credentials not found for id ${id}` });
      return send(res, 200, c);
    }

    const spot = /^\/v4\/([^/]+)\/spot\/interruption$/.exec(path);
    if (spot) {
      if (!view.state.containers.some((c) => c.runtimeId === spot[1])) return send(res, 404, { message: `no container ${spot[1]} in the calling task` });
      const a = view.state.assignment;
      if (a.desiredStatus !== 'STOPPED' || a.stopNotBeforeMs === undefined) return send(res, 404, { message: 'no interruption is scheduled for this task' });
      return send(res, 200, { action: 'stop', time: new Date(a.stopNotBeforeMs).toISOString().replace(/\.\d{3}Z$/, 'Z') });
    }

    const m = /^\/v([34])\/([^/]+)(\/task)?(\/stats)?$/.exec(path);
    if (m) {
      const container = view.state.containers.find((c) => c.runtimeId === m[2]);
      if (!container) return send(res, 404, { message: `no container ${m[2]} in the calling task` });
      const version = m[1] === '3' ? 3 : 4;
      if (m[4] && m[3]) return send(res, 200, await this.taskStats(view, version));
      if (m[4]) {
        const doc = await this.containerStats(view, container, version);
        // ECS answers a container without stats (stopped) with 500 and a bare JSON string.
        return doc ? send(res, 200, doc) : send(res, 500, `Unable to get container stats for: ${container.runtimeId}`);
      }
      return send(res, 200, m[3] ? taskMetadata(view) : containerMetadata(view, container));
    }
    return send(res, 404, { message: `not served: ${path}` });
  }

  private async containerStats(view: TaskView, c: LocalContainer, version: 3 | 4): Promise<Record<string, unknown> | undefined> {
    const pair = await this.deps.stats?.stats(view, c);
    return pair && dockerStats(pair, { id: c.runtimeId, name: c.name }, version);
  }

  /**
   * Every container that has run, by runtime id; one without stats maps to `{}` (v4) or null (v3),
   * as ECS's agent writes them.
   */
  private async taskStats(view: TaskView, version: 3 | 4): Promise<Record<string, unknown>> {
    const started = view.state.containers.filter((c) => c.phase === 'running' || c.phase === 'exited');
    const docs = await Promise.all(started.map((c) => this.containerStats(view, c, version)));
    return Object.fromEntries(started.map((c, i) => [c.runtimeId, docs[i] ?? (version === 4 ? {} : null)]));
  }
}

/** "::ffff:10.0.0.5" (an IPv4 peer on a dual-stack socket) → "10.0.0.5". */
function normaliseAddress(a: string): string {
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
