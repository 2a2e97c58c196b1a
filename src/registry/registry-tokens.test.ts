import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { RegistryTokens, TOKEN_LIFETIME_MS } from './registry-tokens.js';

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const key = randomBytes(32);

test('an issued password lets AWS push until it expires, on any control plane with the same key', () => {
  const now = Date.UTC(2026, 0, 1);
  const { password, expiresAtMs } = new RegistryTokens(key, 'join').issue('arn:aws:iam::123456789012:root', now);
  assert.equal(expiresAtMs, now + TOKEN_LIFETIME_MS);
  const other = new RegistryTokens(key, 'join');
  assert.deepEqual(other.authenticate(basic('AWS', password), now + 1000), { principal: 'arn:aws:iam::123456789012:root', push: true });
  assert.equal(other.authenticate(basic('AWS', password), expiresAtMs), undefined, 'expired');
  assert.equal(new RegistryTokens(randomBytes(32), 'join').authenticate(basic('AWS', password), now), undefined, 'another account');
  assert.equal(other.authenticate(basic('someone', password), now), undefined, 'user must be AWS');
  const tampered = password.replace(/\.([^.]+)\./, (_m, facts: string) => `.${Buffer.from(JSON.stringify({ p: 'x', e: Infinity })).toString('base64url')}.`);
  assert.notEqual(tampered, password);
  assert.equal(other.authenticate(basic('AWS', tampered), now), undefined, 'facts cannot be changed');
});

test('agents pull (never push) with the join token; anything else is anonymous', () => {
  const tokens = new RegistryTokens(key, 'the-join-token');
  assert.deepEqual(tokens.authenticate(basic('pier-agent', 'the-join-token'), 0), { principal: 'pier-agent', push: false });
  assert.equal(tokens.authenticate(basic('pier-agent', 'wrong'), 0), undefined);
  assert.equal(tokens.authenticate(undefined, 0), undefined);
  assert.equal(tokens.authenticate('Bearer abc', 0), undefined);
  assert.equal(tokens.authenticate('Basic !!!', 0), undefined);
});
