import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { ManualClock } from '../lib/clock.js';
import { sameOrigin, sessionCookie, sessionIdOf } from './request-guards.js';
import { ConsoleSessions, MAX_SESSIONS, SESSION_TTL_MS } from './sessions.js';

const keys = new Map([['AKIAEXAMPLE', 'secret-one']]);
const setup = (): { clock: ManualClock; sessions: ConsoleSessions } => {
  const clock = new ManualClock();
  return { clock, sessions: new ConsoleSessions((id) => keys.get(id), clock) };
};

test('signing in needs the key pair exactly; a session is found by its id until it expires', () => {
  const { clock, sessions } = setup();
  assert.equal(sessions.signIn('AKIAEXAMPLE', 'secret-on'), undefined);
  assert.equal(sessions.signIn('AKIAOTHER', 'secret-one'), undefined);
  const s = sessions.signIn('AKIAEXAMPLE', 'secret-one')!;
  assert.ok(s.id.length >= 40 && s.csrfToken.length >= 40 && s.id !== s.csrfToken);
  assert.equal(sessions.get(s.id)?.accessKeyId, 'AKIAEXAMPLE');
  assert.equal(sessions.get('nope'), undefined);
  clock.advance(SESSION_TTL_MS - 1);
  assert.ok(sessions.get(s.id));
  clock.advance(1);
  assert.equal(sessions.get(s.id), undefined);
});

test('a rotated or deleted key ends its sessions; signing out ends one', () => {
  const { sessions } = setup();
  const a = sessions.signIn('AKIAEXAMPLE', 'secret-one')!;
  const b = sessions.signIn('AKIAEXAMPLE', 'secret-one')!;
  sessions.signOut(a.id);
  assert.equal(sessions.get(a.id), undefined);
  assert.ok(sessions.get(b.id));
  keys.set('AKIAEXAMPLE', 'secret-two');
  try {
    assert.equal(sessions.get(b.id), undefined);
  } finally {
    keys.set('AKIAEXAMPLE', 'secret-one');
  }
});

test('sessions are bounded: the oldest is dropped first', () => {
  const { sessions } = setup();
  const first = sessions.signIn('AKIAEXAMPLE', 'secret-one')!;
  for (let i = 0; i < MAX_SESSIONS; i += 1) sessions.signIn('AKIAEXAMPLE', 'secret-one');
  assert.equal(sessions.get(first.id), undefined);
});

const req = (headers: Record<string, string>): IncomingMessage => ({ headers } as unknown as IncomingMessage);

test('the cookie is HttpOnly and SameSite=Strict, scoped to the console, and read back from a Cookie header', () => {
  assert.equal(sessionCookie('abc', 60, false), 'pier_console=abc; Path=/console/; HttpOnly; SameSite=Strict; Max-Age=60');
  assert.match(sessionCookie('abc', 60, true), /; Secure$/);
  assert.equal(sessionIdOf(req({ cookie: 'a=1; pier_console=xyz; b=2' })), 'xyz');
  assert.equal(sessionIdOf(req({ cookie: 'pier_consolex=1' })), undefined);
  assert.equal(sessionIdOf(req({})), undefined);
});

test('requests from another origin or site are told apart from the page', () => {
  assert.equal(sameOrigin(req({ host: '127.0.0.1:4600' })), true);
  assert.equal(sameOrigin(req({ host: '127.0.0.1:4600', origin: 'http://127.0.0.1:4600', 'sec-fetch-site': 'same-origin' })), true);
  assert.equal(sameOrigin(req({ host: '127.0.0.1:4600', origin: 'http://127.0.0.1:4601' })), false);
  assert.equal(sameOrigin(req({ host: '127.0.0.1:4600', 'sec-fetch-site': 'cross-site' })), false);
  assert.equal(sameOrigin(req({ host: '127.0.0.1:4600', 'sec-fetch-site': 'same-site' })), false);
  assert.equal(sameOrigin(req({ host: '127.0.0.1:4600', origin: 'null' })), false);
});
