/**
 * Image references as Docker and ECS accept them: `[registry/]name[:tag][@digest]`.
 *
 * - No registry (the first component has no ".", no ":" and is not "localhost") means Docker Hub:
 *   `busybox` → `docker.io/library/busybox:latest`, `me/app` → `docker.io/me/app:latest`.
 * - No tag and no digest means `:latest`. With a digest, the digest decides what is pulled and
 *   the tag is kept only for messages.
 */

export interface ImageReference {
  /** Registry as written (host[:port]), "docker.io" for Docker Hub. */
  registry: string;
  /** Repository path inside the registry, e.g. "library/busybox". */
  repository: string;
  tag?: string;
  /** "sha256:<64 hex>". */
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const DOMAIN = /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;

export const DOCKER_HUB = 'docker.io';

export class InvalidReferenceError extends Error {
  override readonly name = 'InvalidReferenceError';
}

export function parseReference(input: string): ImageReference {
  const ref = input.trim();
  const bad = (why: string): never => {
    throw new InvalidReferenceError(`invalid image reference "${input}": ${why}`);
  };
  if (ref === '') bad('it is empty');
  if (ref.length > 4096) bad('it is longer than 4096 characters');

  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digest.includes(':')) bad(`digest "${digest}" has no algorithm (expected sha256:<64 hex digits>)`);
    if (!digest.startsWith('sha256:')) bad(`digest algorithm "${digest.split(':')[0]}" is not supported (only sha256)`);
    if (!DIGEST.test(digest)) bad(`digest "${digest}" is not sha256: followed by 64 lowercase hex digits`);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) bad(`tag "${tag}" is not valid (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`);
  }

  let registry = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[')) {
      if (!DOMAIN.test(first)) bad(`registry "${first}" is not a valid host[:port]`);
      registry = first;
      path = rest.slice(slash + 1);
    }
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (path === '') bad('the repository name is empty');
  for (const c of path.split('/')) {
    if (!COMPONENT.test(c)) {
      bad(`repository name component "${c}" must be lowercase letters and digits, separated by ".", "_", "__" or "-"`);
    }
  }
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  if (registry.length + 1 + path.length > 255) bad('the repository name is longer than 255 characters');
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { registry, repository: path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The canonical string: `registry/repository[:tag][@digest]`. */
export function formatReference(r: ImageReference): string {
  return `${r.registry}/${r.repository}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`;
}

/** Host of the registry's API endpoint (Docker Hub's API is not at docker.io). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}

function hostOnly(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const c = registry.lastIndexOf(':');
  return c === -1 ? registry : registry.slice(0, c);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Plain HTTP for loopback registries and the ones listed (by host:port or by host); HTTPS otherwise. */
export function usesPlainHttp(registry: string, insecure: readonly string[] = []): boolean {
  const host = hostOnly(registry);
  if (LOOPBACK.has(host)) return true;
  return insecure.some((i) => {
    const s = i.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    return s === registry || s === host;
  });
}
