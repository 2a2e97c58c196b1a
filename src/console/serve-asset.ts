/**
 * Answers a GET or HEAD for one of the console's files: its content type, cache policy and ETag
 * (304 when the browser has it), gzip when the browser takes it, and a Content-Security-Policy
 * that lets the page load code and data from Pier alone.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsoleAssets } from './static-assets.js';

export function contentSecurityPolicy(importMapHash: string): string {
  return [
    "default-src 'none'", `script-src 'self' 'sha256-${importMapHash}'`, "style-src 'self'", "img-src 'self' data:",
    "connect-src 'self'", "font-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
  ].join('; ');
}

export function serveAsset(req: IncomingMessage, res: ServerResponse, assets: ConsoleAssets, path: string): void {
  const asset = assets.byPath.get(path === '/console/index.html' ? '/console/' : path);
  const common = {
    'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY',
    'content-security-policy': contentSecurityPolicy(assets.importMapHash),
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...common, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('405 method not allowed\n');
    return;
  }
  if (!asset) {
    res.writeHead(404, { ...common, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : `404 no console file at ${path}\n`);
    return;
  }
  const headers: Record<string, string | number> = {
    ...common, 'content-type': asset.type, 'cache-control': asset.cacheControl, etag: asset.etag, vary: 'Accept-Encoding',
  };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const gzip = asset.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) ? asset.gzip : undefined;
  const body = gzip ?? asset.body;
  if (gzip) headers['content-encoding'] = 'gzip';
  headers['content-length'] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
