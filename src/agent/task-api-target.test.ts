import { test } from 'node:test';
import assert from 'node:assert/strict';
import { taskApiTarget } from './task-api-target.js';

test('tasks reach the server on its own port when it has an IPv4 address', () => {
  assert.deepEqual(taskApiTarget('http://127.0.0.1:4600'), { address: '127.0.0.1', port: 4600 });
  assert.deepEqual(taskApiTarget('http://localhost:4600/'), { address: '127.0.0.1', port: 4600 });
  assert.deepEqual(taskApiTarget('http://10.1.2.3:8080'), { address: '10.1.2.3', port: 8080 });
});

test('no forward for DNS names, IPv6, HTTPS, port 80 or junk', () => {
  for (const url of ['http://pier.internal:4600', 'http://[::1]:4600', 'https://10.1.2.3:4600', 'http://10.1.2.3', 'not a url']) {
    assert.equal(taskApiTarget(url), undefined, url);
  }
});
