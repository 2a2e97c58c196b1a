/**
 * What the console's API asks of a request before it acts: that it comes from the console's own
 * page (same origin, by the Origin and Sec-Fetch-Site headers browsers send), carries the session
 * cookie, and, for calls that change or read anything, the session's CSRF token in a header. A
 * cross-site page can send none of these: SameSite=Strict keeps the cookie off its requests, the
 * custom header forces a CORS preflight that Pier never answers, and it cannot read the token.
 */
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'pier_console';
export const CSRF_HEADER = 'x-pier-csrf';

/** The session id in the request's Cookie header, if any. */
export function sessionIdOf(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** False when the browser says the request comes from another site or origin. */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function sessionCookie(id: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; Path=/console/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/console/; HttpOnly; SameSite=Strict; Max-Age=0`;
}

/** Behind a TLS-terminating proxy the cookie is marked Secure. */
export function overTls(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true || req.headers['x-forwarded-proto'] === 'https';
}
