/**
 * Pushes an image from an OCI layout to a registry with the distribution API: each blob is checked
 * with HEAD and, when missing, streamed in one POST `?digest=` upload; manifests go children first
 * (an index's images before the index), the top one under the tag.
 */
import { createReadStream } from 'node:fs';
import { request } from 'node:http';
import type { LayoutDescriptor, OpenedLayout } from './oci-layout.js';

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

export interface PushTarget {
  /** "http://host:port" */
  readonly endpoint: string;
  readonly repository: string;
  readonly username: string;
  readonly password: string;
}

export interface PushEvents {
  blob(digest: string, size: number, state: 'exists' | 'pushed'): void;
}

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; text: string }

export class RegistryPushError extends Error {}

export class RegistryPusher {
  private readonly auth: string;

  constructor(private readonly target: PushTarget, private readonly layout: OpenedLayout, private readonly events: PushEvents) {
    this.auth = `Basic ${Buffer.from(`${target.username}:${target.password}`).toString('base64')}`;
  }

  /** Pushes the entry (and what it references) and tags it; returns the top manifest's digest. */
  async push(entry: LayoutDescriptor, tag: string): Promise<string> {
    await this.pushManifestTree(entry);
    const bytes = this.layout.readBlob(entry.digest);
    const answer = await this.call('PUT', `manifests/${tag}`, { 'content-type': entry.mediaType }, bytes);
    this.expect(answer, 201, `tagging ${tag}`);
    return String(answer.headers['docker-content-digest'] ?? entry.digest);
  }

  private async pushManifestTree(entry: LayoutDescriptor): Promise<void> {
    const doc = JSON.parse(this.layout.readBlob(entry.digest).toString('utf8')) as {
      mediaType?: string; manifests?: LayoutDescriptor[]; config?: LayoutDescriptor; layers?: (LayoutDescriptor & { urls?: string[] })[];
    };
    if (INDEX_TYPES.has(doc.mediaType ?? entry.mediaType) || Array.isArray(doc.manifests)) {
      for (const child of doc.manifests ?? []) {
        await this.pushManifestTree(child);
        const answer = await this.call('PUT', `manifests/${child.digest}`, { 'content-type': child.mediaType }, this.layout.readBlob(child.digest));
        this.expect(answer, 201, `manifest ${child.digest}`);
      }
      return;
    }
    for (const blob of [doc.config!, ...(doc.layers ?? []).filter((l) => !l.urls?.length)]) await this.pushBlob(blob);
  }

  private async pushBlob(blob: LayoutDescriptor): Promise<void> {
    const head = await this.call('HEAD', `blobs/${blob.digest}`);
    if (head.status === 200) {
      this.events.blob(blob.digest, blob.size, 'exists');
      return;
    }
    const path = this.layout.blobPath(blob.digest);
    const answer = await this.call('POST', `blobs/uploads/?digest=${encodeURIComponent(blob.digest)}`,
      { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) }, path);
    this.expect(answer, 201, `blob ${blob.digest}`);
    this.events.blob(blob.digest, blob.size, 'pushed');
  }

  private expect(answer: Answer, status: number, what: string): void {
    if (answer.status === status) return;
    let detail = answer.text.slice(0, 300);
    try {
      const e = (JSON.parse(answer.text) as { errors?: { code: string; message: string }[] }).errors?.[0];
      if (e) detail = `${e.code}: ${e.message}`;
    } catch { /* not JSON */ }
    throw new RegistryPushError(`pushing ${what} to ${this.target.repository} failed (HTTP ${answer.status}): ${detail}`);
  }

  /** One request; `body` is bytes, or a file path streamed from disk. */
  private call(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Answer> {
    const url = new URL(`/v2/${this.target.repository}/${path}`, this.target.endpoint);
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers: { ...headers, authorization: this.auth } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      });
      req.on('error', reject);
      if (typeof body === 'string') createReadStream(body, { highWaterMark: 1 << 20 }).on('error', reject).pipe(req);
      else req.end(body);
    });
  }
}
