/**
 * Passwords for the registry, as ECR's GetAuthorizationToken hands them out: user `AWS`, a password
 * valid for 12 hours. Nothing is stored per token: the password carries who asked and until when,
 * with a MAC under a key derived from the account's session key (kept in the store), so any control
 * plane on the same store verifies any token.
 *
 * Password: `PIERCR1.<base64url(JSON {p: principal ARN, e: expiry ms})>.<base64url(HMAC-SHA256)>`.
 *
 * The host agents pull as user `pier-agent` with their join token as password (pull only).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'PIERCR1.';
export const TOKEN_LIFETIME_MS = 12 * 3600 * 1000;
export const ECR_USERNAME = 'AWS';
export const AGENT_USERNAME = 'pier-agent';

export interface RegistryAccess {
  /** Who is pushing or pulling, for logs. */
  readonly principal: string;
  readonly push: boolean;
}

export class RegistryTokens {
  private readonly key: Buffer;

  /** `sessionKey`: the account's session key; the registry signs with a key derived from it. */
  constructor(sessionKey: Buffer, private readonly agentToken: string) {
    this.key = createHmac('sha256', sessionKey).update('pier registry tokens').digest();
  }

  issue(principalArn: string, nowMs: number): { password: string; expiresAtMs: number } {
    const expiresAtMs = nowMs + TOKEN_LIFETIME_MS;
    const facts = Buffer.from(JSON.stringify({ p: principalArn, e: expiresAtMs })).toString('base64url');
    return { password: `${PREFIX}${facts}.${this.mac(facts).toString('base64url')}`, expiresAtMs };
  }

  /** The access an `Authorization: Basic …` header grants, or undefined (absent, wrong or expired). */
  authenticate(authorization: string | undefined, nowMs: number): RegistryAccess | undefined {
    if (!authorization?.startsWith('Basic ')) return undefined;
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    if (user === AGENT_USERNAME) return sameText(password, this.agentToken) ? { principal: 'pier-agent', push: false } : undefined;
    if (user !== ECR_USERNAME) return undefined;
    const principal = this.verify(password, nowMs);
    return principal === undefined ? undefined : { principal, push: true };
  }

  private verify(password: string, nowMs: number): string | undefined {
    if (!password.startsWith(PREFIX)) return undefined;
    const [facts, mac, extra] = password.slice(PREFIX.length).split('.');
    if (facts === undefined || mac === undefined || extra !== undefined) return undefined;
    const expected = this.mac(facts);
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const parsed = JSON.parse(Buffer.from(facts, 'base64url').toString('utf8')) as { p: string; e: number };
    return parsed.e > nowMs ? parsed.p : undefined;
  }

  private mac(facts: string): Buffer {
    return createHmac('sha256', this.key).update(facts).digest();
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
