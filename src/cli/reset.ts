/** `pier reset`: the admin call that wipes all state of a server started with --allow-reset. */
import { request } from 'node:http';
import { signRequest } from '../api/auth/sign.js';
import { readCredentials, readServerInfo } from '../platform/data-dir.js';
import { defaultDataDir } from '../platform/options.js';
import { parseFlags, UsageError } from './args.js';

export async function resetRemote(argv: string[]): Promise<void> {
  const f = parseFlags(argv, { 'data-dir': 'string' });
  const dir = (f['data-dir'] as string | undefined) ?? defaultDataDir(process.env);
  const creds = readCredentials(dir);
  const info = readServerInfo(dir);
  if (!creds || !info) throw new UsageError(`no Pier data in ${dir}`);
  const url = new URL('/_pier/reset', info.endpoint);
  const headers = signRequest({ method: 'POST', host: url.host, url: url.pathname, headers: {}, body: '' }, creds, info.region, 'pier', Date.now());
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let t = '';
      res.on('data', (c: Buffer) => (t += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: t }));
    });
    req.on('error', reject);
    req.end();
  });
  if (status !== 200) throw new Error(`reset failed (${status}): ${text}. Was the server started with --allow-reset?`);
  process.stdout.write('pier: state reset\n');
}
