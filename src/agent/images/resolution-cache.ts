/**
 * What image references resolved to, so a launch of an image pulled moments ago does not wait on
 * the registry again.
 *
 * - By digest (`name@sha256:…`): the manifest is content-addressed and was verified against the
 *   digest, so the resolution holds for good (kept for the most recent 256 references).
 * - By tag: only for `tagTtlMs` after the registry answered (default 5 s; 0 turns it off). ECS
 *   resolves the tag at every launch; within this window a new push to the tag is not seen yet,
 *   after it the next launch sees it. A service scaling out or tasks launched back to back share
 *   one resolution. The digest the task reports (containers[].imageDigest) is the one it runs.
 *
 * Entries are per credentials (a task must not skip the registry's access check on another
 * task's behalf): the key includes a hash of them.
 */
import { createHash } from 'node:crypto';
import type { RegistryCredentials } from './image-store.js';
import type { ResolvedManifest } from './registry-client.js';

export const DEFAULT_TAG_TTL_MS = 5_000;
const MAX_ENTRIES = 256;

export class ResolutionCache {
  private readonly entries = new Map<string, { manifest: ResolvedManifest; at: number; byDigest: boolean }>();

  constructor(private readonly tagTtlMs: number, private readonly now: () => number) {}

  static key(name: string, credentials: RegistryCredentials | undefined): string {
    if (!credentials) return name;
    return `${name}\n${createHash('sha256').update(`${credentials.username}\0${credentials.password}`).digest('hex')}`;
  }

  get(key: string, byDigest: boolean): ResolvedManifest | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (!byDigest && this.now() - e.at > this.tagTtlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return structuredClone(e.manifest);
  }

  set(key: string, byDigest: boolean, manifest: ResolvedManifest): void {
    if (!byDigest && this.tagTtlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { manifest: structuredClone(manifest), at: this.now(), byDigest });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }
}
