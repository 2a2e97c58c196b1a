/**
 * Registry credentials the host holds, in the Docker config.json format
 * (`{"auths": {"127.0.0.1:5000": {"auth": base64("user:password")}}}` or username/password).
 * Per-task credentials (repositoryCredentials with Secrets Manager) arrive with the secrets work.
 */
import { readFileSync } from 'node:fs';
import type { RegistryCredentials } from './images/image-store.js';

export type CredentialLookup = (image: string) => RegistryCredentials | undefined;

export function registryOf(image: string): string {
  const first = image.split('/')[0]!;
  const hasRegistry = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return hasRegistry ? first : 'docker.io';
}

export function loadRegistryCredentials(path: string | undefined): CredentialLookup {
  if (!path) return () => undefined;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  const byRegistry = new Map<string, RegistryCredentials>();
  for (const [registry, entry] of Object.entries(parsed.auths ?? {})) {
    let username = entry.username;
    let password = entry.password;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
    if (username !== undefined && password !== undefined) {
      byRegistry.set(registry.replace(/^https?:\/\//, '').replace(/\/.*$/, ''), { username, password });
    }
  }
  return (image) => {
    const registry = registryOf(image);
    return byRegistry.get(registry) ?? (registry === 'docker.io' ? byRegistry.get('index.docker.io') : undefined);
  };
}

/**
 * Adds Pier's built-in registry (the control plane's own `host:port`, src/registry/): its images are
 * pulled as `pier-agent` with the agent's join token, unless the registry config names that host.
 * Returns the lookup and the registry host (plain HTTP when the server is).
 */
export function withBuiltInRegistry(lookup: CredentialLookup, serverUrl: string, joinToken: string): { lookup: CredentialLookup; host: string; plainHttp: boolean } {
  const url = new URL(serverUrl);
  const agent: RegistryCredentials = { username: 'pier-agent', password: joinToken };
  return {
    host: url.host,
    plainHttp: url.protocol === 'http:',
    lookup: (image) => lookup(image) ?? (registryOf(image) === url.host ? agent : undefined),
  };
}
