/**
 * The data directory: the SQLite database plus files people and tools read —
 * `credentials` and `config` (AWS shared-file formats, profile `pier`), `agent-token` (what agents
 * register with) and `server.json` (where the running server listens). Secrets are mode 0600.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const paths = (dir: string) => ({
  db: join(dir, 'pier.db'),
  credentials: join(dir, 'credentials'),
  config: join(dir, 'config'),
  agentToken: join(dir, 'agent-token'),
  server: join(dir, 'server.json'),
});

export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** AWS-style root key pair: AKIA + 16 characters, and a 40-character secret. */
export function newRootKey(): { accessKeyId: string; secretAccessKey: string } {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const id = [...randomBytes(16)].map((b) => alphabet[b % 32]).join('');
  return { accessKeyId: `AKIA${id}`, secretAccessKey: randomBytes(30).toString('base64').replace(/[+/]/g, 'x').slice(0, 40) };
}

export function writeClientFiles(dir: string, key: { accessKeyId: string; secretAccessKey: string }, region: string): void {
  const p = paths(dir);
  writeSecret(p.credentials, `[pier]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`);
  writeFileSync(p.config, `[profile pier]\nregion = ${region}\noutput = json\n`);
}

export function readOrCreateAgentToken(dir: string): string {
  const p = paths(dir).agentToken;
  if (existsSync(p)) return readFileSync(p, 'utf8').trim();
  const token = randomBytes(32).toString('base64url');
  writeSecret(p, `${token}\n`);
  return token;
}

/** Reads a profile's keys from an AWS shared-credentials file. */
export function readCredentials(dir: string, profile = 'pier'): { accessKeyId: string; secretAccessKey: string } | undefined {
  const p = paths(dir).credentials;
  if (!existsSync(p)) return undefined;
  let section = '';
  const found: Record<string, string> = {};
  for (const line of readFileSync(p, 'utf8').split('\n')) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) section = header[1]!.trim();
    const kv = /^\s*([a-z_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (kv && section === profile) found[kv[1]!] = kv[2]!;
  }
  const { aws_access_key_id: accessKeyId, aws_secret_access_key: secretAccessKey } = found;
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}

export interface ServerInfo { endpoint: string; region: string; accountId: string; pid: number }

export function writeServerInfo(dir: string, info: ServerInfo): void {
  writeFileSync(paths(dir).server, JSON.stringify(info, null, 2) + '\n');
}

export function readServerInfo(dir: string): ServerInfo | undefined {
  const p = paths(dir).server;
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, 'utf8')) as ServerInfo;
}
