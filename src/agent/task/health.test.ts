import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileHealthCheck, initialHealth, recordProbe, type HealthState } from './health.js';

describe('health checks', () => {
  test('CMD-SHELL runs through /bin/sh -c; defaults are 30/5/3/0', () => {
    const spec = compileHealthCheck({ command: ['CMD-SHELL', 'curl -f localhost || exit 1'] })!;
    assert.deepEqual(spec.command, ['/bin/sh', '-c', 'curl -f localhost || exit 1']);
    assert.deepEqual([spec.intervalMs, spec.timeoutMs, spec.retries, spec.startPeriodMs], [30_000, 5_000, 3, 0]);
    assert.deepEqual(compileHealthCheck({ command: ['CMD', '/bin/check', '-v'] })!.command, ['/bin/check', '-v']);
    assert.equal(compileHealthCheck({ command: ['NONE'] }), undefined);
  });

  test('retries consecutive failures make it UNHEALTHY; one pass makes it HEALTHY again', () => {
    const spec = compileHealthCheck({ command: ['CMD', 'x'], retries: 2 })!;
    const fail = { passed: false, exitCode: 1, output: 'no' };
    let s: HealthState = initialHealth;
    s = recordProbe(s, spec, fail, 1000, 1000);
    assert.equal(s.status, 'UNKNOWN');
    s = recordProbe(s, spec, fail, 2000, 2000);
    assert.equal(s.status, 'UNHEALTHY');
    assert.equal(s.statusSinceMs, 2000);
    s = recordProbe(s, spec, { passed: true, exitCode: 0, output: 'ok' }, 3000, 3000);
    assert.equal(s.status, 'HEALTHY');
    assert.equal(s.consecutiveFailures, 0);
  });

  test('failures inside startPeriod do not count, a pass inside it does', () => {
    const spec = compileHealthCheck({ command: ['CMD', 'x'], retries: 1, startPeriod: 10 })!;
    let s = recordProbe(initialHealth, spec, { passed: false, exitCode: 1, output: '' }, 5_000, 5_000);
    assert.equal(s.status, 'UNKNOWN');
    assert.equal(s.consecutiveFailures, 0);
    s = recordProbe(s, spec, { passed: true, exitCode: 0, output: '' }, 6_000, 6_000);
    assert.equal(s.status, 'HEALTHY');
    s = recordProbe(s, spec, { passed: false, exitCode: 1, output: '' }, 11_000, 11_000);
    assert.equal(s.status, 'UNHEALTHY');
  });
});
