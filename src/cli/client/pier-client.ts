/**
 * The people's CLI talking to a Pier server as its account root: the endpoint and keys come from
 * the data dir `pier up` wrote (or PIER_ENDPOINT / AWS_* like the SDKs), every call is signed
 * with SigV4 and errors come back as AwsCallError with the service's code and message.
 */
import { signRequest, type SigningCredentials } from '../../api/auth/sign.js';
import { readCredentials, readServerInfo } from '../../platform/data-dir.js';
import { defaultDataDir } from '../../platform/options.js';

export class AwsCallError extends Error {
  constructor(readonly operation: string, readonly code: string, message: string) {
    super(message);
  }
}

/** What a JSON-protocol service needs: its signing name and X-Amz-Target prefix. */
export interface JsonService { readonly signingName: string; readonly targetPrefix: string; readonly version: '1.0' | '1.1' }

export const ECS: JsonService = { signingName: 'ecs', targetPrefix: 'AmazonEC2ContainerServiceV20141113', version: '1.1' };
export const LOGS: JsonService = { signingName: 'logs', targetPrefix: 'Logs_20140328', version: '1.1' };

export class PierClient {
  constructor(readonly endpoint: string, readonly region: string, private readonly credentials: SigningCredentials) {}

  /** The server of `dataDir` (default ~/.pier), or PIER_ENDPOINT with AWS_ACCESS_KEY_ID/SECRET/REGION. */
  static fromDataDir(dataDir: string | undefined, env: NodeJS.ProcessEnv = process.env): PierClient {
    if (!dataDir && env.PIER_ENDPOINT && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
      return new PierClient(env.PIER_ENDPOINT, env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1', {
        accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
      });
    }
    const dir = dataDir ?? defaultDataDir(env);
    const creds = readCredentials(dir);
    const info = readServerInfo(dir);
    if (!creds || !info) throw new Error(`no Pier server data in ${dir}: start one with 'pier up' (or pass --data-dir DIR)`);
    return new PierClient(info.endpoint, info.region, creds);
  }

  /** One JSON 1.0/1.1 call; resolves with the parsed reply. */
  async json<T = any>(svc: JsonService, operation: string, input: unknown): Promise<T> {
    const body = JSON.stringify(input ?? {});
    const res = await this.send(svc.signingName, {
      'content-type': `application/x-amz-json-${svc.version}`, 'x-amz-target': `${svc.targetPrefix}.${operation}`,
    }, body);
    const text = await res.text();
    if (res.status !== 200) {
      let code = `HTTP ${res.status}`;
      let message = text.slice(0, 300);
      try {
        const e = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
        code = (e.__type ?? code).replace(/^.*#/, '');
        message = e.message ?? e.Message ?? message;
      } catch { /* not JSON: keep the text */ }
      throw new AwsCallError(operation, code, message);
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** One Query-protocol call (EC2, ELBv2); resolves with the XML reply. */
  async query(signingName: string, version: string, action: string, params: Record<string, string>): Promise<string> {
    const body = new URLSearchParams({ Action: action, Version: version, ...params }).toString();
    const res = await this.send(signingName, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body);
    const xml = await res.text();
    if (res.status !== 200) {
      const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? `HTTP ${res.status}`;
      throw new AwsCallError(action, code, /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? xml.slice(0, 300));
    }
    return xml;
  }

  /** SigV4 headers for a bodiless request to `path` on this server (e.g. the upgrade of `pier exec`). */
  signedHeaders(signingName: string, method: string, path: string, headers: Record<string, string>): Record<string, string> {
    const host = new URL(this.endpoint).host;
    return signRequest({ method, host, url: path, headers, body: '' }, this.credentials, this.region, signingName, Date.now());
  }

  private async send(signingName: string, headers: Record<string, string>, body: string): Promise<Response> {
    const url = new URL('/', this.endpoint);
    const signed = signRequest({ method: 'POST', host: url.host, url: '/', headers, body }, this.credentials, this.region, signingName, Date.now());
    try {
      return await fetch(url, { method: 'POST', headers: signed, body });
    } catch (err) {
      throw new Error(`cannot reach Pier at ${this.endpoint} (${(err as Error).cause ?? (err as Error).message}): is 'pier up' running?`);
    }
  }
}

/** The text of every `<tag>…</tag>` in a Query reply, in order (Pier's replies carry no CDATA or nesting of the same tag). */
export function xmlValues(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => decodeXml(m[1]!));
}

function decodeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e]!);
}
