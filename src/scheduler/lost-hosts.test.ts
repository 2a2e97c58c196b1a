import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findLostHosts } from './lost-hosts.js';

test('hosts silent for longer than the limit are lost; LOST hosts are not reported again', () => {
  const now = 100_000;
  const hosts = [
    { id: 'fresh', status: 'ACTIVE', lastHeartbeatAt: now - 29_999 },
    { id: 'edge', status: 'ACTIVE', lastHeartbeatAt: now - 30_000 },
    { id: 'silent', status: 'ACTIVE', lastHeartbeatAt: now - 30_001 },
    { id: 'gone', status: 'LOST', lastHeartbeatAt: 0 },
  ];
  assert.deepEqual(findLostHosts(hosts, now, 30_000), ['silent']);
});
