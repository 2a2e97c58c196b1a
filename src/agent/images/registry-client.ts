/**
 * OCI distribution client for one repository: resolves a tag or digest to an image manifest
 * (picking this host's platform from an index / manifest list), fetches the config, and opens
 * layer blobs as streams.
 *
 * - Plain HTTP for loopback registries and PullOptions.insecureRegistries, HTTPS otherwise.
 * - Auth: anonymous; HTTP basic; bearer tokens (on a 401 with `WWW-Authenticate: Bearer
 *   realm=…,service=…,scope=…`, a token is fetched from the realm with the basic credentials
 *   when given, and cached per realm, service, scope and credentials until it expires).
 * - Manifests are verified by content: against the digest asked for, or against the registry's
 *   Docker-Content-Digest header when pulling by tag. Blob streams are verified by the caller
 *   (unpack.ts hashes them on the fly); `fetchBlobBuffer` verifies small blobs itself.
 * - Blob redirects are followed; the Authorization header is dropped when the host changes.
 */
import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ImagePullErrorCode, RegistryCredentials } from './image-store.js';
import { apiHost, formatReference, usesPlainHttp, type ImageReference } from './reference.js';
import { MediaTypes } from '../../lib/oci-media-types.js';

export { MediaTypes };

const MANIFEST_TYPES = new Set<string>([MediaTypes.OciManifest, MediaTypes.DockerManifest]);
const INDEX_TYPES = new Set<string>([MediaTypes.OciIndex, MediaTypes.DockerManifestList]);
const CONFIG_TYPES = new Set<string>([MediaTypes.OciConfig, MediaTypes.DockerConfig]);
const LAYER_TYPES = new Set<string>([
  MediaTypes.OciLayer, MediaTypes.OciLayerGzip, MediaTypes.OciLayerZstd,
  MediaTypes.OciLayerNondistributable, MediaTypes.OciLayerNondistributableGzip, MediaTypes.OciLayerNondistributableZstd,
  MediaTypes.DockerLayerGzip, MediaTypes.DockerLayer, MediaTypes.DockerForeignLayerGzip,
]);
const ACCEPT = [MediaTypes.OciIndex, MediaTypes.OciManifest, MediaTypes.DockerManifestList, MediaTypes.DockerManifest].join(', ');

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
const SHA256 = /^sha256:[a-f0-9]{64}$/;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ImageConfigJson {
  architecture?: string;
  os?: string;
  config?: Record<string, unknown>;
  rootfs?: { type?: string; diff_ids?: string[] };
}

export interface ResolvedManifest {
  /** Digest of the image manifest (after the platform pick). */
  manifestDigest: string;
  manifestMediaType: string;
  /** Digest of the index / manifest list the tag pointed at, when it pointed at one. */
  indexDigest?: string;
  configDescriptor: Descriptor;
  configDigest: string;
  layers: Descriptor[];
}

export interface ResolvedImage extends ResolvedManifest {
  config: ImageConfigJson;
  diffIds: string[];
}

/** A failure with a message that names registry, repository, reference and cause. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(message: string, readonly code: ImagePullErrorCode, readonly retryable = false, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Tokens and auth schemes learned from registries; share one per agent so tokens are reused. */
export class AuthCache {
  readonly tokens = new Map<string, { header: string; expiresAt: number }>();
  /** registry + credentials → the last challenge seen, so later requests can authenticate up front. */
  readonly challenges = new Map<string, Challenge>();
}

interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', mips64el: 'mips64le' };
  const architecture = arch[process.arch] ?? process.arch;
  return { os: 'linux', architecture, ...(architecture === 'arm' ? { variant: 'v7' } : {}) };
}

export function formatPlatform(p: Partial<Platform> | undefined): string {
  if (!p) return 'unknown';
  return [p.os ?? 'unknown', p.architecture ?? 'unknown', ...(p.variant ? [p.variant] : [])].join('/');
}

/** Parses `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` (and Basic). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return undefined;
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]!)) !== null) params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  return { scheme, params };
}

function networkCause(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'host not found (DNS lookup failed)';
    case 'ETIMEDOUT': case 'ESOCKETTIMEDOUT': return 'timed out';
    case 'ECONNRESET': return 'connection reset by the registry';
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'no route to host';
    case 'EPROTO': case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return `TLS handshake failed (${e.message}); if this registry serves plain HTTP, list it in the insecure registries`;
    case 'CERT_HAS_EXPIRED': case 'DEPTH_ZERO_SELF_SIGNED_CERT': case 'SELF_SIGNED_CERT_IN_CHAIN': case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return `TLS certificate not trusted (${e.code})`;
    default: return e?.message ?? String(err);
  }
}

interface SendOptions {
  method?: string;
  headers: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs: number;
}

export interface HttpAgents {
  http: HttpAgent;
  https: HttpsAgent;
}

export function createAgents(): HttpAgents {
  return {
    http: new HttpAgent({ keepAlive: true, maxSockets: 32 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: 32 }),
  };
}

/** One HTTP request; resolves with the response head (body unread). */
function send(url: URL, agents: HttpAgents, opts: SendOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === 'https:';
    const req = (https ? httpsRequest : httpRequest)(url, {
      method: opts.method ?? 'GET',
      headers: opts.headers,
      agent: https ? agents.https : agents.http,
      timeout: opts.timeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
    }, (res) => {
      // While the body is read, an idle gap longer than the timeout is an error.
      const socket = res.socket;
      const onIdle = (): void => { res.destroy(Object.assign(new Error('timed out reading the response'), { code: 'ETIMEDOUT' })); };
      socket.setTimeout(opts.timeoutMs);
      socket.on('timeout', onIdle);
      res.once('close', () => {
        socket.off('timeout', onIdle);
        socket.setTimeout(0);
      });
      resolve(res);
    });
    req.once('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.once('error', reject);
    req.end();
  });
}

export async function readBody(res: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    n += (c as Buffer).length;
    if (n > limit) {
      res.destroy();
      throw new Error(`response is larger than ${limit} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function drain(res: IncomingMessage): void {
  res.resume();
  res.on('error', () => undefined);
}

function sha256(buf: Buffer): string {
  return `sha256:${createHash('sha256').update(buf).digest('hex')}`;
}

/** The registry's error code from a `{"errors":[{"code":…,"message":…}]}` body. */
async function registryErrorCode(res: IncomingMessage): Promise<{ code?: string; message?: string }> {
  try {
    const body = await readBody(res, 64 * 1024);
    const j = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    const e = j.errors?.[0];
    return { ...(e?.code ? { code: e.code } : {}), ...(e?.message ? { message: e.message } : {}) };
  } catch {
    return {};
  }
}

function isDescriptor(d: unknown): d is Descriptor {
  const x = d as Descriptor;
  return typeof x === 'object' && x !== null && typeof x.digest === 'string' && typeof x.size === 'number';
}

export interface RegistryClientOptions {
  credentials?: RegistryCredentials;
  insecureRegistries?: readonly string[];
  signal?: AbortSignal;
  authCache?: AuthCache;
  agents?: HttpAgents;
  /** Per request: connect + response head, and any idle gap while reading a body. */
  timeoutMs?: number;
  platform?: Platform;
  /** Delay before the one retry of a transient failure (network error, 5xx, 429). */
  retryDelayMs?: number;
}

export class RegistryClient {
  readonly base: string;
  /** "registry/repository:tag" or "…@digest", for messages. */
  readonly name: string;
  private readonly auth: AuthCache;
  private readonly agents: HttpAgents;
  private readonly timeoutMs: number;
  private readonly scope: string;
  private authHeader: string | undefined;

  constructor(readonly ref: ImageReference, private readonly opts: RegistryClientOptions = {}) {
    const scheme = usesPlainHttp(ref.registry, opts.insecureRegistries) ? 'http' : 'https';
    this.base = `${scheme}://${apiHost(ref.registry)}`;
    this.name = formatReference(ref);
    this.auth = opts.authCache ?? new AuthCache();
    this.agents = opts.agents ?? createAgents();
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.scope = `repository:${ref.repository}:pull`;
  }

  private get what(): string {
    const r = this.ref;
    const ver = r.digest ? `digest ${r.digest}` : `tag "${r.tag}"`;
    return `registry ${r.registry}, repository "${r.repository}", ${ver}`;
  }

  /** Who is asking: tokens and challenges are cached per credentials (a wrong password must not reuse a right one's token). */
  private identity(): string {
    const c = this.opts.credentials;
    return c ? createHash('sha256').update(`${c.username}\0${c.password}`).digest('hex') : '';
  }

  private challengeKey(): string {
    return `${this.ref.registry}\n${this.identity()}`;
  }

  private tokenKey(p: Record<string, string>): string {
    return [p.realm, p.service ?? '', p.scope ?? this.scope, this.identity()].join('\n');
  }

  private basicHeader(): string | undefined {
    const c = this.opts.credentials;
    return c ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` : undefined;
  }

  /** Authorization to send up front: a cached token or basic credentials for a registry known to want them. */
  private upfrontAuth(): string | undefined {
    if (this.authHeader) return this.authHeader;
    const ch = this.auth.challenges.get(this.challengeKey());
    if (!ch) return undefined;
    if (ch.scheme === 'basic') return this.basicHeader();
    const t = this.auth.tokens.get(this.tokenKey({ ...ch.params, scope: this.scope }));
    return t && t.expiresAt > Date.now() ? t.header : undefined;
  }

  private unauthorized(detail: string): RegistryError {
    const c = this.opts.credentials;
    const cause = c
      ? `the registry rejected the credentials for user "${c.username}" (${detail}); check the username and password, and that this user may pull the repository`
      : `the registry requires authentication (${detail}) and no credentials were given; add credentials for ${this.ref.registry}`;
    return new RegistryError(`unauthorized: ${cause} (${this.what})`, 'Unauthorized');
  }

  private unreachable(url: URL, err: unknown): RegistryError {
    return new RegistryError(`cannot reach registry ${this.ref.registry} at ${url.origin}: ${networkCause(err)} (${this.what})`, 'Unreachable', true, { cause: err });
  }

  /** A bearer token for the challenge; `fresh` skips the cache (the registry just refused what was sent). */
  private async fetchToken(ch: Challenge, fresh: boolean): Promise<string> {
    const realm = ch.params.realm;
    if (!realm) throw new RegistryError(`registry ${this.ref.registry} asked for a bearer token without a realm (${this.what})`, 'RegistryError');
    const scope = ch.params.scope ?? this.scope;
    const key = this.tokenKey({ ...ch.params, scope });
    const cached = this.auth.tokens.get(key);
    if (cached && cached.expiresAt > Date.now() && !fresh) return cached.header;
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryError(`registry ${this.ref.registry} gave an invalid token realm "${realm}" (${this.what})`, 'RegistryError');
    }
    if (ch.params.service) url.searchParams.set('service', ch.params.service);
    url.searchParams.set('scope', scope);
    const basic = this.basicHeader();
    let res: IncomingMessage;
    try {
      res = await send(url, this.agents, { headers: { 'User-Agent': 'pier', ...(basic ? { Authorization: basic } : {}) }, timeoutMs: this.timeoutMs, ...(this.opts.signal ? { signal: this.opts.signal } : {}) });
    } catch (err) {
      throw new RegistryError(`cannot reach the token server ${url.origin} of registry ${this.ref.registry}: ${networkCause(err)} (${this.what})`, 'Unreachable', true, { cause: err });
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      drain(res);
      throw this.unauthorized(`token server ${url.origin} answered HTTP ${res.statusCode}`);
    }
    if (res.statusCode !== 200) {
      drain(res);
      throw new RegistryError(`the token server ${url.origin} of registry ${this.ref.registry} answered HTTP ${res.statusCode} (${this.what})`, 'RegistryError', (res.statusCode ?? 0) >= 500);
    }
    let token: string | undefined;
    let expiresIn = 60;
    try {
      const j = JSON.parse((await readBody(res, 1024 * 1024)).toString('utf8')) as { token?: string; access_token?: string; expires_in?: number };
      token = j.token ?? j.access_token;
      if (typeof j.expires_in === 'number' && j.expires_in > 0) expiresIn = j.expires_in;
    } catch {
      token = undefined;
    }
    if (!token) throw new RegistryError(`the token server ${url.origin} of registry ${this.ref.registry} answered without a token (${this.what})`, 'RegistryError');
    const header = `Bearer ${token}`;
    // Renew a little early so a token never expires between being picked and being used.
    this.auth.tokens.set(key, { header, expiresAt: Date.now() + Math.max(1, expiresIn - 10) * 1000 });
    return header;
  }

  /**
   * GET with auth and redirects. Returns the final response head; a 401 after authenticating is
   * returned as is for the caller to report.
   */
  private async get(path: string, accept?: string): Promise<{ res: IncomingMessage; url: URL }> {
    const signal = this.opts.signal;
    let url = new URL(`${this.base}/v2/${this.ref.repository}/${path}`);
    const origin = url.host;
    let authTried = false;
    for (let hops = 0; hops < 10; hops++) {
      const auth = url.host === origin ? this.upfrontAuth() : undefined;
      const headers: Record<string, string> = { 'User-Agent': 'pier', ...(accept ? { Accept: accept } : {}), ...(auth ? { Authorization: auth } : {}) };
      let res: IncomingMessage;
      try {
        res = await send(url, this.agents, { headers, timeoutMs: this.timeoutMs, ...(signal ? { signal } : {}) });
      } catch (err) {
        if (signal?.aborted) throw new RegistryError(`pull aborted (${this.what})`, 'Aborted', false, { cause: err });
        throw this.unreachable(url, err);
      }
      const status = res.statusCode ?? 0;
      if (status === 401 && url.host === origin && !authTried) {
        authTried = true;
        const ch = parseChallenge(headerString(res.headers, 'www-authenticate'));
        drain(res);
        if (!ch) throw this.unauthorized('HTTP 401 without a usable WWW-Authenticate challenge');
        this.auth.challenges.set(this.challengeKey(), ch);
        if (ch.scheme === 'basic') {
          if (!this.opts.credentials) throw this.unauthorized('HTTP 401, basic auth');
          this.authHeader = this.basicHeader();
        } else {
          this.authHeader = await this.fetchToken(ch, auth !== undefined);
        }
        continue;
      }
      if (status >= 300 && status < 400 && status !== 304 && res.headers.location) {
        drain(res);
        url = new URL(res.headers.location, url);
        continue;
      }
      return { res, url };
    }
    throw new RegistryError(`too many redirects from registry ${this.ref.registry} (${this.what})`, 'RegistryError');
  }

  /** get() with one retry of a transient failure. */
  private async getWithRetry<T>(what: () => Promise<T>): Promise<T> {
    try {
      return await what();
    } catch (err) {
      if (!(err instanceof RegistryError) || !err.retryable || this.opts.signal?.aborted) throw err;
      await new Promise((r) => setTimeout(r, this.opts.retryDelayMs ?? 250));
      try {
        return await what();
      } catch (err2) {
        if (err2 instanceof RegistryError) {
          throw new RegistryError(`${err2.message}; retried 1 time`, err2.code, false, { cause: err2 });
        }
        throw err2;
      }
    }
  }

  private async failure(res: IncomingMessage, object: string): Promise<RegistryError> {
    const status = res.statusCode ?? 0;
    const { code, message } = await registryErrorCode(res);
    const reg = code ? `${code}${message ? `: ${message}` : ''}` : `HTTP ${status}`;
    if (status === 404) {
      let cause: string;
      if (code === 'NAME_UNKNOWN') cause = `repository "${this.ref.repository}" does not exist in registry ${this.ref.registry}`;
      else if (object === 'manifest' && this.ref.digest) cause = `manifest ${this.ref.digest} does not exist in repository "${this.ref.repository}" of registry ${this.ref.registry}`;
      else if (object === 'manifest') cause = await this.missingTagCause();
      else cause = `${object} does not exist in repository "${this.ref.repository}" of registry ${this.ref.registry}`;
      return new RegistryError(`not found: ${cause} (${reg})`, 'NotFound');
    }
    if (status === 401) return this.unauthorized(`HTTP 401${code ? ` ${code}` : ''}`);
    if (status === 403) {
      return new RegistryError(`access denied: registry ${this.ref.registry} refuses to let ${this.opts.credentials ? `user "${this.opts.credentials.username}"` : 'anonymous users'} pull repository "${this.ref.repository}" (${reg})`, 'Unauthorized');
    }
    if (status === 429) return new RegistryError(`too many requests: registry ${this.ref.registry} is rate limiting pulls (${reg}) (${this.what})`, 'RegistryError', true);
    return new RegistryError(`registry ${this.ref.registry} answered ${reg} for ${object} (${this.what})`, 'RegistryError', status >= 500);
  }

  /**
   * Why a tag is missing: registries answer MANIFEST_UNKNOWN for a missing repository too, so ask the
   * tag list, which tells the two apart and lets the message show the tags that do exist.
   */
  private async missingTagCause(): Promise<string> {
    const tagMissing = `tag "${this.ref.tag}" does not exist in repository "${this.ref.repository}" of registry ${this.ref.registry}`;
    try {
      const { res } = await this.get('tags/list?n=100');
      if (res.statusCode === 404) {
        const { code } = await registryErrorCode(res);
        if (code === 'NAME_UNKNOWN') return `repository "${this.ref.repository}" does not exist in registry ${this.ref.registry}`;
        return tagMissing;
      }
      if (res.statusCode !== 200) {
        drain(res);
        return tagMissing;
      }
      const tags = (JSON.parse((await readBody(res, 1024 * 1024)).toString('utf8')) as { tags?: string[] | null }).tags ?? [];
      if (tags.length === 0) return `${tagMissing} (it has no tags)`;
      const shown = tags.slice(0, 10).join(', ');
      return `${tagMissing} (it has tags: ${shown}${tags.length > 10 ? ', …' : ''})`;
    } catch {
      return tagMissing;
    }
  }

  /** Fetches a manifest or index by tag or digest and verifies its digest. */
  async getManifest(reference: string): Promise<{ mediaType: string; digest: string; body: Buffer; json: Record<string, unknown> }> {
    return this.getWithRetry(async () => {
      const { res, url } = await this.get(`manifests/${reference}`, ACCEPT);
      if (res.statusCode !== 200) throw await this.failure(res, reference.startsWith('sha256:') ? `manifest ${reference}` : 'manifest');
      let body: Buffer;
      try {
        body = await readBody(res, MAX_MANIFEST_BYTES);
      } catch (err) {
        throw new RegistryError(`reading manifest ${reference} from registry ${this.ref.registry} failed: ${networkCause(err)} (${this.what})`, 'RegistryError', true, { cause: err });
      }
      const digest = sha256(body);
      const expected = reference.startsWith('sha256:') ? reference : headerString(res.headers, 'docker-content-digest');
      if (expected && SHA256.test(expected) && expected !== digest) {
        throw new RegistryError(`digest mismatch: the manifest registry ${this.ref.registry} sent for ${reference} has digest ${digest}, expected ${expected} (from ${url.origin}) (${this.what})`, 'DigestMismatch');
      }
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw new RegistryError(`the manifest for ${reference} from registry ${this.ref.registry} is not valid JSON (${this.what})`, 'RegistryError');
      }
      const contentType = headerString(res.headers, 'content-type')?.split(';')[0]?.trim();
      let mediaType = typeof json.mediaType === 'string' ? json.mediaType : contentType ?? '';
      if (!MANIFEST_TYPES.has(mediaType) && !INDEX_TYPES.has(mediaType)) {
        // OCI allows omitting mediaType; infer it from the shape.
        if (Array.isArray(json.manifests)) mediaType = MediaTypes.OciIndex;
        else if (Array.isArray(json.layers) && json.config) mediaType = MediaTypes.OciManifest;
      }
      if (mediaType === MediaTypes.DockerSchema1 || mediaType === MediaTypes.DockerSchema1Signed || json.schemaVersion === 1) {
        throw new RegistryError(`unsupported media type: ${this.name} is a Docker schema 1 image, which is deprecated and not supported; push it again with a current Docker or skopeo (${this.what})`, 'UnsupportedMediaType');
      }
      if (!MANIFEST_TYPES.has(mediaType) && !INDEX_TYPES.has(mediaType)) {
        throw new RegistryError(`unsupported media type: ${reference} in repository "${this.ref.repository}" is "${mediaType || 'unknown'}", not an image manifest or index (${this.what})`, 'UnsupportedMediaType');
      }
      return { mediaType, digest, body, json };
    });
  }

  /** Resolves the reference to one image for `platform` (default: this host) and fetches its config. */
  async resolve(): Promise<ResolvedImage> {
    const m = await this.resolveManifest();
    return { ...m, ...(await this.fetchConfig(m)) };
  }

  /** Resolves the reference to one image manifest for `platform` (default: this host) and checks it. */
  async resolveManifest(): Promise<ResolvedManifest> {
    const want = this.opts.platform ?? hostPlatform();
    let m = await this.getManifest(this.ref.digest ?? this.ref.tag ?? 'latest');
    let indexDigest: string | undefined;
    if (INDEX_TYPES.has(m.mediaType)) {
      indexDigest = m.digest;
      const entries = (Array.isArray(m.json.manifests) ? m.json.manifests : []).filter(isDescriptor) as Descriptor[];
      const pick = pickPlatform(entries, want);
      if (!pick) {
        const have = [...new Set(entries.map((e) => formatPlatform(e.platform)))];
        throw new RegistryError(`no matching manifest for ${formatPlatform(want)} in the manifest list of ${this.name}; it has ${have.length ? have.join(', ') : 'no images'} (${this.what})`, 'NoMatchingPlatform');
      }
      if (!SHA256.test(pick.digest)) throw new RegistryError(`the index of ${this.name} lists an unsupported digest "${pick.digest}"`, 'UnsupportedMediaType');
      m = await this.getManifest(pick.digest);
      if (INDEX_TYPES.has(m.mediaType)) {
        throw new RegistryError(`unsupported media type: the index of ${this.name} points at another index for ${formatPlatform(want)} (${this.what})`, 'UnsupportedMediaType');
      }
    }
    const configDesc = m.json.config;
    const layersJson = m.json.layers;
    if (!isDescriptor(configDesc) || !Array.isArray(layersJson) || !layersJson.every(isDescriptor)) {
      throw new RegistryError(`the manifest ${m.digest} of ${this.name} has no valid config or layers (${this.what})`, 'RegistryError');
    }
    if (configDesc.mediaType && !CONFIG_TYPES.has(configDesc.mediaType)) {
      throw new RegistryError(`unsupported media type: ${this.name} is not a container image (its config is "${configDesc.mediaType}") (${this.what})`, 'UnsupportedMediaType');
    }
    const layers = layersJson as Descriptor[];
    for (const l of layers) {
      if (l.mediaType && !LAYER_TYPES.has(l.mediaType)) {
        throw new RegistryError(`unsupported media type: layer ${l.digest} of ${this.name} is "${l.mediaType}", not a tar layer (${this.what})`, 'UnsupportedMediaType');
      }
      if (!SHA256.test(l.digest)) throw new RegistryError(`unsupported digest "${l.digest}" for a layer of ${this.name} (only sha256)`, 'UnsupportedMediaType');
    }
    if (!SHA256.test(configDesc.digest)) throw new RegistryError(`unsupported config digest "${configDesc.digest}" in ${this.name} (only sha256)`, 'UnsupportedMediaType');
    return {
      manifestDigest: m.digest, manifestMediaType: m.mediaType, ...(indexDigest ? { indexDigest } : {}),
      configDescriptor: configDesc, configDigest: configDesc.digest, layers,
    };
  }

  /** Fetches and checks the image config of a resolved manifest. */
  async fetchConfig(m: ResolvedManifest): Promise<{ config: ImageConfigJson; diffIds: string[] }> {
    const configBuf = await this.fetchBlobBuffer(m.configDescriptor, MAX_CONFIG_BYTES, 'config');
    let config: ImageConfigJson;
    try {
      config = JSON.parse(configBuf.toString('utf8')) as ImageConfigJson;
    } catch {
      throw new RegistryError(`the image config ${m.configDigest} of ${this.name} is not valid JSON (${this.what})`, 'RegistryError');
    }
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (!Array.isArray(diffIds) || diffIds.length !== m.layers.length) {
      throw new RegistryError(`the image config of ${this.name} lists ${Array.isArray(diffIds) ? diffIds.length : 'no'} diff_ids for ${m.layers.length} layers (${this.what})`, 'RegistryError');
    }
    for (const d of diffIds) {
      if (typeof d !== 'string' || !SHA256.test(d)) throw new RegistryError(`unsupported diff_id "${String(d)}" in the config of ${this.name} (only sha256)`, 'UnsupportedMediaType');
    }
    return { config, diffIds };
  }

  /** Opens a blob; the caller reads and verifies the stream. */
  async openBlob(desc: Descriptor, object = `blob ${desc.digest}`): Promise<IncomingMessage> {
    return this.getWithRetry(async () => {
      const { res } = await this.get(`blobs/${desc.digest}`);
      if (res.statusCode !== 200) throw await this.failure(res, object);
      return res;
    });
  }

  /** A small blob, read whole and verified. */
  async fetchBlobBuffer(desc: Descriptor, limit: number, what = 'blob'): Promise<Buffer> {
    if (desc.size > limit) throw new RegistryError(`the ${what} ${desc.digest} of ${this.name} is ${desc.size} bytes, more than the ${limit} allowed`, 'RegistryError');
    return this.getWithRetry(async () => {
      const res = await this.openBlob(desc, `${what} ${desc.digest}`);
      let body: Buffer;
      try {
        body = await readBody(res, limit);
      } catch (err) {
        throw new RegistryError(`reading the ${what} ${desc.digest} from registry ${this.ref.registry} failed: ${networkCause(err)} (${this.what})`, 'RegistryError', true, { cause: err });
      }
      const got = sha256(body);
      if (got !== desc.digest) {
        throw new RegistryError(`digest mismatch: the ${what} registry ${this.ref.registry} sent has digest ${got}, expected ${desc.digest} (${this.what})`, 'DigestMismatch');
      }
      return body;
    });
  }

  /** Describes a network error while streaming a blob body, in the same words as the rest. */
  describeStreamError(desc: Descriptor, err: unknown): RegistryError {
    return new RegistryError(`reading layer ${desc.digest} from registry ${this.ref.registry} failed: ${networkCause(err)} (${this.what})`, 'Unreachable', true, { cause: err });
  }

  /** The same client without the pull's abort signal, for downloads other pulls may share. */
  detached(): RegistryClient {
    const { signal: _signal, ...rest } = this.opts;
    return new RegistryClient(this.ref, { ...rest, authCache: this.auth, agents: this.agents });
  }

  describe(): string {
    return this.what;
  }
}

function headerString(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The index entry for `want`: same os and architecture; for variants, an exact match wins, then none given. */
export function pickPlatform(entries: readonly Descriptor[], want: Platform): Descriptor | undefined {
  const candidates = entries.filter((e) => e.platform && e.platform.os === want.os && e.platform.architecture === want.architecture
    && MANIFEST_TYPES.has(e.mediaType ?? MediaTypes.OciManifest));
  const normalizeVariant = (v: string | undefined): string | undefined => (want.architecture === 'arm64' && v === 'v8' ? undefined : v);
  const wantVariant = normalizeVariant(want.variant);
  return candidates.find((e) => normalizeVariant(e.platform!.variant) === wantVariant)
    ?? candidates.find((e) => e.platform!.variant === undefined)
    ?? (wantVariant === undefined ? candidates[0] : undefined);
}
