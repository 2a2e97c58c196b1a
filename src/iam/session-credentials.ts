/**
 * Temporary credentials for a role session (a task's role, or STS AssumeRole): an access key id
 * `ASIA…`, a secret and a session token, valid until an expiry.
 *
 * Nothing is stored per session. The token carries the session's facts (key id, role, session
 * name, task, expiry) and a MAC under the account's session key; the secret is a second MAC of the
 * same facts. So any control-plane process holding the session key (kept in the store's meta
 * table) verifies any session, and a token cannot be altered or its secret guessed without that
 * key. What a stateless token cannot say — "this task has stopped" — the edge checks against the
 * task itself on each call (src/api/auth/identities.ts).
 *
 * Token: `PIER1.<base64url(JSON facts)>.<base64url(HMAC-SHA256(key, "token\n" + facts))>`.
 * Secret: base64 of HMAC-SHA256(key, "secret\n" + facts), 40 characters like AWS secrets.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_PREFIX = 'PIER1.';
/** The meta key under which the session key is kept (hex, 32 bytes). */
export const SESSION_KEY_META = 'iam.session-key';

export interface SessionGrant {
  readonly roleArn: string;
  /** The role's RoleId (AROA…), for GetCallerIdentity's UserId. */
  readonly roleId: string;
  readonly sessionName: string;
  /** Set for a task's role credentials: valid only while that task has not stopped. */
  readonly taskArn?: string;
  readonly expiresAtMs: number;
}

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiresAtMs: number;
}

export interface VerifiedSession extends SessionGrant {
  readonly secretAccessKey: string;
}

interface TokenFacts {
  /** access key id */
  k: string;
  r: string;
  i: string;
  s: string;
  t?: string;
  /** expiry, epoch ms */
  e: number;
}

const KEY_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `ASIA` + 16 base32 characters, the shape of AWS temporary access key ids. */
function temporaryKeyId(): string {
  const bytes = randomBytes(16);
  let out = 'ASIA';
  for (const b of bytes) out += KEY_ID_ALPHABET[b & 31];
  return out;
}

export class SessionAuthority {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length < 32) throw new Error('session key must be at least 32 bytes');
    this.key = key;
  }

  /** Mints credentials for a grant. */
  issue(grant: SessionGrant): IssuedCredentials {
    const facts: TokenFacts = {
      k: temporaryKeyId(), r: grant.roleArn, i: grant.roleId, s: grant.sessionName,
      ...(grant.taskArn !== undefined ? { t: grant.taskArn } : {}),
      e: grant.expiresAtMs,
    };
    const encoded = Buffer.from(JSON.stringify(facts)).toString('base64url');
    return {
      accessKeyId: facts.k,
      secretAccessKey: this.secretFor(encoded),
      sessionToken: `${TOKEN_PREFIX}${encoded}.${this.mac('token', encoded).toString('base64url')}`,
      expiresAtMs: grant.expiresAtMs,
    };
  }

  /**
   * The session behind a key id and token, or undefined when the token is not one of ours, was
   * altered, or belongs to another key id. Expiry is the caller's to judge (it answers a distinct error).
   */
  verify(accessKeyId: string, sessionToken: string): VerifiedSession | undefined {
    if (!sessionToken.startsWith(TOKEN_PREFIX)) return undefined;
    const [encoded, mac, extra] = sessionToken.slice(TOKEN_PREFIX.length).split('.');
    if (encoded === undefined || mac === undefined || extra !== undefined) return undefined;
    const expected = this.mac('token', encoded);
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let facts: TokenFacts;
    try {
      facts = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as TokenFacts;
    } catch {
      return undefined;
    }
    if (facts.k !== accessKeyId) return undefined;
    return {
      roleArn: facts.r, roleId: facts.i, sessionName: facts.s,
      ...(facts.t !== undefined ? { taskArn: facts.t } : {}),
      expiresAtMs: facts.e,
      secretAccessKey: this.secretFor(encoded),
    };
  }

  /**
   * The id in a task's `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`: derived from the task ARN under the
   * session key, so it is the same on every control plane and agent restart yet unguessable.
   */
  credentialsIdFor(taskArn: string): string {
    const h = this.mac('credentials-id', taskArn).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }

  private secretFor(encoded: string): string {
    return this.mac('secret', encoded).toString('base64').slice(0, 40);
  }

  private mac(purpose: string, encoded: string): Buffer {
    return createHmac('sha256', this.key).update(`${purpose}\n${encoded}`).digest();
  }
}

/** The account's session key from the store's meta table, made on first use. */
export async function loadSessionKey(meta: { get(k: string): Promise<string | undefined>; put(k: string, v: string): Promise<void> }): Promise<Buffer> {
  const stored = await meta.get(SESSION_KEY_META);
  if (stored !== undefined) return Buffer.from(stored, 'hex');
  const key = randomBytes(32);
  await meta.put(SESSION_KEY_META, key.toString('hex'));
  return key;
}
