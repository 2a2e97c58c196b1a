/**
 * Client side of an HTTP/1.1 upgrade: sends the request and resolves with the raw socket once
 * the server answers 101 (any bytes that came with the answer are pushed back into it). Any other
 * answer rejects with UpgradeRefused, carrying the status and the body's text.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';

export class UpgradeRefused extends Error {
  override readonly name = 'UpgradeRefused';
  constructor(readonly status: number, readonly body: string) {
    super(`upgrade refused: HTTP ${status}${body ? `: ${body.slice(0, 300)}` : ''}`);
  }
}

export function dialUpgrade(url: URL, protocol: string, headers: Record<string, string>, timeoutMs = 30_000): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' || url.protocol === 'wss:' ? httpsRequest : httpRequest)({
      host: url.hostname, port: url.port || (url.protocol === 'https:' || url.protocol === 'wss:' ? 443 : 80), path: `${url.pathname}${url.search}`,
      method: 'GET', headers: { ...headers, connection: 'Upgrade', upgrade: protocol },
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer from ${url.host} within ${timeoutMs} ms`)), timeoutMs);
    req.on('upgrade', (_res, socket, head) => {
      clearTimeout(timer);
      if (head.length) socket.unshift(head);
      resolve(socket);
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => reject(new UpgradeRefused(res.statusCode ?? 0, body)));
      res.on('error', reject);
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}
