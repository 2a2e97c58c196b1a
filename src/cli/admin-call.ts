/** Pier's own admin routes (`/_pier/…`), called as the account root with the data dir's credentials. */
import { request } from 'node:http';
import { signRequest } from '../api/auth/sign.js';
import { readCredentials, readServerInfo } from '../platform/data-dir.js';
import { defaultDataDir } from '../platform/options.js';
import { UsageError } from './args.js';

export interface AdminAnswer { status: number; text: string }

export async function adminCall(dataDir: string | undefined, path: string, body: unknown = undefined): Promise<AdminAnswer> {
  const dir = dataDir ?? defaultDataDir(process.env);
  const creds = readCredentials(dir);
  const info = readServerInfo(dir);
  if (!creds || !info) throw new UsageError(`no Pier data in ${dir}`);
  const url = new URL(path, info.endpoint);
  const payload = body === undefined ? '' : JSON.stringify(body);
  const headers = signRequest({ method: 'POST', host: url.host, url: url.pathname, headers: { 'content-type': 'application/json' }, body: payload },
    creds, info.region, 'pier', Date.now());
  return new Promise<AdminAnswer>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let t = '';
      res.on('data', (c: Buffer) => (t += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: t }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The message of an AWS-style JSON error body, or the body itself. */
export function errorMessage(text: string): string {
  try {
    const e = JSON.parse(text) as { message?: string; Message?: string; __type?: string };
    return e.message ?? e.Message ?? text;
  } catch {
    return text;
  }
}
