/**
 * The OCI distribution API on `/v2/` (push and pull, chunked and monolithic uploads, cross-repository
 * mount, tag list, manifest delete, HEAD checks), good enough for docker, skopeo and Pier's agents.
 * Bodies stream straight to disk; this handler runs before the edge reads any body.
 *
 * Auth is HTTP Basic: `AWS` with a password from ECR's GetAuthorizationToken, or the agents'
 * pull-only `pier-agent` + join token. Anything else gets 401 with a Basic challenge.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { parseDigest } from '../registry/digest.js';
import { DistributionError } from '../registry/distribution-errors.js';
import { parseByteRange, parseChunkRange, parseRoute, type DistributionRoute } from './distribution-routes.js';
import { deleteReference, pushManifest, resolveImage } from '../registry/images.js';
import { MAX_MANIFEST_BYTES } from '../registry/manifest.js';
import type { Registry } from '../registry/registry.js';
import type { RegistryAccess } from '../registry/registry-tokens.js';
import { isRepositoryName } from '../registry/repository-names.js';
import { sendFile } from '../registry/send-file.js';

const API_VERSION = { 'docker-distribution-api-version': 'registry/2.0' };

export async function handleDistribution(reg: Registry, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  try {
    const url = new URL(req.url ?? '/', 'http://registry.invalid');
    const access = reg.tokens.authenticate(req.headers.authorization, reg.clock.now());
    if (!access) {
      res.setHeader('www-authenticate', `Basic realm="${reg.host}",service="ecr.amazonaws.com"`);
      throw new DistributionError('UNAUTHORIZED', 'authentication required: log in as AWS with the password from `aws ecr get-login-password`');
    }
    const route = parseRoute(url.pathname);
    if (!route) throw new DistributionError('UNSUPPORTED', `no such registry route: ${req.method} ${url.pathname}`, undefined, 404);
    await dispatch(reg, access, route, req, res, url);
  } catch (err) {
    if (!(err instanceof DistributionError)) reg.log.error('registry request failed', { requestId, error: err instanceof Error ? err.stack : String(err) });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const e = err instanceof DistributionError ? err : new DistributionError('UNSUPPORTED', 'internal error', undefined, 500);
    const body = e.toJson();
    // A refused request may still be sending a layer: do not read it, close the connection.
    const unread = !req.readableEnded && (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined);
    res.writeHead(e.status, {
      ...API_VERSION, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': requestId,
      ...(unread ? { connection: 'close' } : {}),
    });
    res.end(body);
  }
}

function needsPush(method: string | undefined): boolean {
  return method !== 'GET' && method !== 'HEAD';
}

async function dispatch(reg: Registry, access: RegistryAccess, route: DistributionRoute, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  if (needsPush(method) && !access.push) throw new DistributionError('DENIED', `${access.principal} may only pull`);
  if (route.kind === 'base') return reply(res, 200, {}, '{}');
  if (route.kind === 'catalog') return catalog(reg, res, url);
  if (!isRepositoryName(route.name)) throw new DistributionError('NAME_INVALID', `'${route.name}' is not a valid repository name`, { name: route.name });
  await reg.requireRepository(route.name);
  switch (route.kind) {
    case 'tags': return method === 'GET' ? tagList(reg, route.name, res, url) : unsupported(method);
    case 'manifest': return manifest(reg, route.name, route.reference, req, res, method);
    case 'blob': return blob(reg, route.name, route.digest, req, res, method);
    case 'uploads': return method === 'POST' ? startUpload(reg, route.name, req, res, url) : unsupported(method);
    case 'upload': return upload(reg, route.name, route.id, req, res, method, url);
  }
}

function unsupported(method: string): never {
  throw new DistributionError('UNSUPPORTED', `${method} is not supported here`);
}

function reply(res: ServerResponse, status: number, headers: Record<string, string | number>, body = ''): void {
  res.writeHead(status, { ...API_VERSION, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

async function catalog(reg: Registry, res: ServerResponse, url: URL): Promise<void> {
  const names = (await reg.repositories.list()).map((r) => r.repositoryName);
  const page = paginate(names, url, '/v2/_catalog');
  reply(res, 200, { 'content-type': 'application/json', ...page.link }, JSON.stringify({ repositories: page.items }));
}

async function tagList(reg: Registry, name: string, res: ServerResponse, url: URL): Promise<void> {
  const page = paginate([...(await reg.repositories.tags(name)).keys()], url, `/v2/${name}/tags/list`);
  reply(res, 200, { 'content-type': 'application/json', ...page.link }, JSON.stringify({ name, tags: page.items }));
}

/** `?n=&last=` paging with a `Link: <…>; rel="next"` header, as the spec describes. */
function paginate(sorted: string[], url: URL, path: string): { items: string[]; link: Record<string, string> } {
  const last = url.searchParams.get('last');
  const after = last === null ? sorted : sorted.filter((s) => s > last);
  const n = url.searchParams.get('n');
  if (n === null) return { items: after, link: {} };
  const count = Number(n);
  if (!Number.isInteger(count) || count < 0) throw new DistributionError('UNSUPPORTED', `n must be a non-negative integer, got '${n}'`, undefined, 400);
  const items = after.slice(0, count);
  const more = after.length > count && items.length > 0;
  return { items, link: more ? { link: `<${path}?n=${count}&last=${encodeURIComponent(items[items.length - 1]!)}>; rel="next"` } : {} };
}

async function manifest(reg: Registry, name: string, reference: string, req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
  if (method === 'PUT') {
    const digest = await pushManifest(reg, name, reference, await readSmallBody(req), req.headers['content-type']);
    return reply(res, 201, { location: `/v2/${name}/manifests/${digest}`, 'docker-content-digest': digest });
  }
  if (method === 'DELETE') {
    if (!(await deleteReference(reg, name, reference))) throw new DistributionError('MANIFEST_UNKNOWN', `no manifest ${reference} in ${name}`);
    return reply(res, 202, {});
  }
  if (method !== 'GET' && method !== 'HEAD') unsupported(method);
  const image = await resolveImage(reg, name, reference);
  if (!image) throw new DistributionError('MANIFEST_UNKNOWN', `no manifest ${reference} in ${name}`, { name, reference });
  const headers = {
    ...API_VERSION, 'content-type': image.record.mediaType, 'content-length': image.record.size,
    'docker-content-digest': image.digest, etag: `"${image.digest}"`,
  };
  res.writeHead(200, headers);
  if (method === 'HEAD') {
    res.end();
    return;
  }
  await sendBlob(reg, image.digest, 0, image.record.size - 1, res);
}

async function blob(reg: Registry, name: string, digest: string, req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
  parseDigest(digest);
  if (method === 'DELETE') throw new DistributionError('UNSUPPORTED', 'blobs are removed with their images (BatchDeleteImage), not one by one');
  if (method !== 'GET' && method !== 'HEAD') unsupported(method);
  const size = (await reg.repositories.hasBlob(name, digest)) || (await reg.repositories.manifest(name, digest)) ? await reg.blobs.size(digest) : undefined;
  if (size === undefined) throw new DistributionError('BLOB_UNKNOWN', `blob ${digest} is not in repository ${name}`, { digest });
  const range = parseByteRange(req.headers.range, size);
  if (range === 'invalid') {
    res.setHeader('content-range', `bytes */${size}`);
    throw new DistributionError('RANGE_INVALID', `range ${req.headers.range} is not satisfiable for ${size} bytes`);
  }
  const base = { ...API_VERSION, 'content-type': 'application/octet-stream', 'docker-content-digest': digest, 'accept-ranges': 'bytes', etag: `"${digest}"` };
  if (range) res.writeHead(206, { ...base, 'content-length': range.end - range.start + 1, 'content-range': `bytes ${range.start}-${range.end}/${size}` });
  else res.writeHead(200, { ...base, 'content-length': size });
  if (method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  await sendBlob(reg, digest, range?.start ?? 0, range?.end ?? size - 1, res);
}

async function startUpload(reg: Registry, name: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const mount = url.searchParams.get('mount');
  const from = url.searchParams.get('from');
  if (mount !== null && from !== null) {
    parseDigest(mount);
    if (isRepositoryName(from) && (await reg.repositories.get(from)) && (await reg.repositories.hasBlob(from, mount)) && (await reg.blobs.size(mount)) !== undefined) {
      await reg.repositories.linkBlob(name, mount);
      return reply(res, 201, { location: `/v2/${name}/blobs/${mount}`, 'docker-content-digest': mount });
    }
    // Not mountable: the spec says to fall back to a regular upload.
  }
  const session = await reg.uploads.start(name);
  const digest = url.searchParams.get('digest');
  if (digest !== null) {
    const done = await reg.uploads.complete(name, session.id, digest, req);
    await reg.repositories.linkBlob(name, done.digest);
    return reply(res, 201, { location: `/v2/${name}/blobs/${done.digest}`, 'docker-content-digest': done.digest });
  }
  req.resume();
  return reply(res, 202, uploadHeaders(name, session.id, 0));
}

async function upload(reg: Registry, name: string, id: string, req: IncomingMessage, res: ServerResponse, method: string, url: URL): Promise<void> {
  const range = parseChunkRange(req.headers['content-range']);
  if (range === 'invalid') throw new DistributionError('RANGE_INVALID', `Content-Range '${req.headers['content-range']}' is not <start>-<end>`);
  switch (method) {
    case 'GET': {
      const { offset } = await reg.uploads.status(name, id);
      return reply(res, 204, uploadHeaders(name, id, offset));
    }
    case 'PATCH': {
      const { offset } = await reg.uploads.append(name, id, req, range);
      return reply(res, 202, uploadHeaders(name, id, offset));
    }
    case 'PUT': {
      const done = await reg.uploads.complete(name, id, url.searchParams.get('digest'), hasBody(req) ? req : undefined, range);
      await reg.repositories.linkBlob(name, done.digest);
      return reply(res, 201, { location: `/v2/${name}/blobs/${done.digest}`, 'docker-content-digest': done.digest });
    }
    case 'DELETE':
      await reg.uploads.cancel(name, id);
      return reply(res, 204, {});
    default:
      unsupported(method);
  }
}

function uploadHeaders(name: string, id: string, offset: number): Record<string, string> {
  // As docker-registry: "0-0" for an empty upload, else the last byte's offset.
  return { location: `/v2/${name}/blobs/uploads/${id}`, range: `0-${Math.max(0, offset - 1)}`, 'docker-upload-uuid': id };
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return length !== undefined ? Number(length) > 0 : req.headers['transfer-encoding'] !== undefined;
}

async function readSmallBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_MANIFEST_BYTES) throw new DistributionError('SIZE_INVALID', `manifests are limited to ${MAX_MANIFEST_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function sendBlob(reg: Registry, digest: string, start: number, end: number, res: ServerResponse): Promise<void> {
  try {
    await sendFile(reg.blobs.path(digest), start, end, res);
  } catch {
    // The client went away mid-blob (or the disk failed): the status line is sent, so only a cut connection can say so.
    res.destroy();
  }
}
