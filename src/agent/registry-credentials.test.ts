import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadRegistryCredentials, withBuiltInRegistry } from './registry-credentials.js';

test("images of the control plane's own host:port are pulled as pier-agent with the join token", () => {
  const builtIn = withBuiltInRegistry(() => undefined, 'http://127.0.0.1:4600', 'join-token');
  assert.equal(builtIn.host, '127.0.0.1:4600');
  assert.equal(builtIn.plainHttp, true);
  assert.deepEqual(builtIn.lookup('127.0.0.1:4600/team/web:1'), { username: 'pier-agent', password: 'join-token' });
  assert.equal(builtIn.lookup('127.0.0.1:5000/team/web:1'), undefined, 'another registry');
  assert.equal(builtIn.lookup('busybox'), undefined, 'Docker Hub');
  assert.equal(withBuiltInRegistry(() => undefined, 'https://pier.example:443', 't').plainHttp, false);
});

test('a registry config entry for the same host wins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pier-creds-'));
  try {
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ auths: { '127.0.0.1:4600': { username: 'AWS', password: 'from-config' } } }));
    const builtIn = withBuiltInRegistry(loadRegistryCredentials(path), 'http://127.0.0.1:4600', 'join-token');
    assert.deepEqual(builtIn.lookup('127.0.0.1:4600/web'), { username: 'AWS', password: 'from-config' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
