/**
 * The console's sign-in sessions. Signing in proves a key pair once; the browser then holds only a
 * random session id in an HttpOnly cookie, so the secret never stays in page JavaScript. The
 * server keeps no secret either: only the access key id and a hash of its secret, checked against
 * the live key on every call, so a key deleted or rotated ends its sessions at once. Sessions live
 * in memory: restarting Pier signs everyone out.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../lib/clock.js';

/** Looks up an access key's current secret (the edge's Identities.secretFor). */
export type SecretLookup = (accessKeyId: string) => string | undefined;

export interface ConsoleSession {
  readonly id: string;
  readonly accessKeyId: string;
  /** Sent back by the page in a header on every call (a cross-site page cannot read it). */
  readonly csrfToken: string;
  readonly expiresAtMs: number;
  readonly secretHash: Buffer;
}

export const SESSION_TTL_MS = 12 * 3600_000;
/** Oldest sessions are dropped past this many, so sign-ins cannot grow memory without bound. */
export const MAX_SESSIONS = 1000;

const hashOf = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();
const token = (): string => randomBytes(32).toString('base64url');

export function sameSecret(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export class ConsoleSessions {
  private readonly byId = new Map<string, ConsoleSession>();

  constructor(private readonly lookupSecret: SecretLookup, private readonly clock: Clock) {}

  /** A new session when the key pair is right; undefined when the key is unknown or the secret wrong. */
  signIn(accessKeyId: string, secretAccessKey: string): ConsoleSession | undefined {
    const current = this.lookupSecret(accessKeyId);
    // Hash both sides so the comparison takes the same time whatever the lengths.
    const given = hashOf(secretAccessKey);
    if (current === undefined || !sameSecret(hashOf(current), given)) return undefined;
    this.dropExpired();
    if (this.byId.size >= MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value!);
    const session: ConsoleSession = {
      id: token(), accessKeyId, csrfToken: token(), expiresAtMs: this.clock.now() + SESSION_TTL_MS, secretHash: given,
    };
    this.byId.set(session.id, session);
    return session;
  }

  /** The live session with this id: not expired, and its key still has the secret it signed in with. */
  get(id: string | undefined): ConsoleSession | undefined {
    if (!id) return undefined;
    const s = this.byId.get(id);
    if (!s) return undefined;
    const current = this.lookupSecret(s.accessKeyId);
    if (s.expiresAtMs <= this.clock.now() || current === undefined || !sameSecret(hashOf(current), s.secretHash)) {
      this.byId.delete(id);
      return undefined;
    }
    return s;
  }

  signOut(id: string | undefined): void {
    if (id) this.byId.delete(id);
  }

  private dropExpired(): void {
    const now = this.clock.now();
    for (const [id, s] of this.byId) if (s.expiresAtMs <= now) this.byId.delete(id);
  }
}
