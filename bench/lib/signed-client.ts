/**
 * The benchmark's HTTP client: AWS JSON 1.1 over a keep-alive node:http agent, every request
 * SigV4-signed (service `ecs`) with Pier's own signer at the moment it is sent, as an SDK would.
 */
import { Agent, request } from 'node:http';
import { signRequest } from '../../src/api/auth/sign.js';

export const ECS_TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113';
const JSON_11 = 'application/x-amz-json-1.1';

/** Where to send requests and with which credentials (plain data: it crosses into worker threads). */
export interface Target {
  /** Host name or IP the socket connects to. */
  host: string;
  port: number;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export function targetFromEndpoint(endpoint: string, region: string, creds: { accessKeyId: string; secretAccessKey: string }): Target {
  const u = new URL(endpoint);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80), region,
    accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey,
  };
}

export interface Reply {
  status: number;
  body: string;
  /** Wall time from handing the signed request to node:http to the last body byte, in ms. */
  latencyMs: number;
}

export class AwsCallError extends Error {
  constructor(readonly op: string, readonly status: number, readonly body: string) {
    super(`${op} failed: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

export class SignedClient {
  readonly agent: Agent;
  private readonly hostHeader: string;

  constructor(readonly target: Target, maxSockets: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets, keepAliveMsecs: 30_000 });
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    this.hostHeader = `${host}:${target.port}`;
  }

  /** Signs and sends one request; resolves with whatever status came back. */
  send(op: string, body: string): Promise<Reply> {
    const t = this.target;
    const headers = signRequest(
      { method: 'POST', host: this.hostHeader, url: '/', headers: { 'content-type': JSON_11, 'x-amz-target': `${ECS_TARGET_PREFIX}.${op}` }, body },
      { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey }, t.region, 'ecs', Date.now(),
    );
    headers['content-length'] = String(Buffer.byteLength(body));
    return new Promise<Reply>((resolve, reject) => {
      const start = process.hrtime.bigint();
      const req = request({ agent: this.agent, host: t.host, port: t.port, method: 'POST', path: '/', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const latencyMs = Number(process.hrtime.bigint() - start) / 1e6;
          const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text, latencyMs });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** send() that insists on HTTP 200 and returns the parsed reply. */
  async call<T = Record<string, unknown>>(op: string, input: unknown): Promise<T> {
    const reply = await this.send(op, JSON.stringify(input));
    if (reply.status !== 200) throw new AwsCallError(op, reply.status, reply.body);
    return JSON.parse(reply.body) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}
