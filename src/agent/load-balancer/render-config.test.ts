import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HealthCheckConfig, ListenerConfig, LoadBalancingAssignment, TargetGroupConfig } from '../../protocol/load-balancing.js';
import { backendName, configShape, quote, renderHaproxyConfig, serverArgs, statusMatcher, wildcardMatch } from './render-config.js';

const hc: HealthCheckConfig = {
  enabled: true, protocol: 'HTTP', port: 'traffic-port', path: '/health', intervalSeconds: 5, timeoutSeconds: 2,
  healthyThresholdCount: 3, unhealthyThresholdCount: 2, httpCode: '200',
};
const tg = (name: string, over: Partial<TargetGroupConfig> = {}): TargetGroupConfig => ({
  targetGroupArn: `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/1`, name, protocol: 'HTTP', port: 80,
  healthCheck: hc, deregistrationDelaySeconds: 300, targets: [], ...over,
});
const listener = (over: Partial<ListenerConfig> = {}): ListenerConfig => ({
  listenerArn: 'arn:l/1', port: 8080, protocol: 'HTTP', rules: [],
  defaultAction: { type: 'forward', targetGroups: [{ targetGroupArn: tg('a').targetGroupArn, weight: 1 }] }, ...over,
});
const assignment = (l: ListenerConfig, groups: TargetGroupConfig[]): LoadBalancingAssignment => ({
  cursor: 'c1', targetGroups: groups,
  loadBalancers: [{ loadBalancerArn: 'arn:lb/1', name: 'web', bindAddress: '127.0.0.1', listeners: [l] }],
});
const render = (a: LoadBalancingAssignment, nowMs = 1_000_000): string =>
  renderHaproxyConfig(a, { statsSocket: '/run/x/stats.sock', serverStateFile: '/var/x/state', nowMs });
const lines = (cfg: string): string[] => cfg.split('\n').map((l) => l.trim());

test('wildcards become exact, prefix, suffix or anchored regex matches', () => {
  assert.deepEqual(wildcardMatch('/exact'), { kind: 'str', pattern: '/exact' });
  assert.deepEqual(wildcardMatch('/api/*'), { kind: 'beg', pattern: '/api/' });
  assert.deepEqual(wildcardMatch('*.png'), { kind: 'end', pattern: '.png' });
  assert.deepEqual(wildcardMatch('*.example.com'), { kind: 'end', pattern: '.example.com' });
  assert.deepEqual(wildcardMatch('/v?/x*y'), { kind: 'reg', pattern: '^/v./x.*y$' });
  assert.deepEqual(wildcardMatch('*/img/*'), { kind: 'reg', pattern: '^.*/img/.*$' });
  assert.deepEqual(wildcardMatch('/a.b+c$?'), { kind: 'reg', pattern: '^/a[.]b[+]c[$].$' });
  assert.deepEqual(wildcardMatch('*'), { kind: 'beg', pattern: '' });
});

test('every wildcard pattern matches what ELBv2 would, and nothing more', () => {
  const cases: [string, string, boolean][] = [
    ['/v?/x*y', '/v1/xy', true], ['/v?/x*y', '/v1/xaaay', true], ['/v?/x*y', '/v12/xy', false], ['/v?/x*y', '/v1/xyz', false],
    ['/a.b?', '/aXbc', false], ['/a.b?', '/a.bc', true],
  ];
  for (const [pattern, path, expected] of cases) {
    const m = wildcardMatch(pattern);
    assert.equal(m.kind, 'reg', pattern);
    assert.equal(new RegExp(m.pattern).test(path), expected, `${pattern} vs ${path}`);
  }
});

test('config words are quoted with the escapes HAProxy interprets', () => {
  assert.equal(quote('plain'), '"plain"');
  assert.equal(quote('a "b" $HOME #c \\ d\ne'), '"a \\"b\\" \\$HOME \\#c \\\\ d\\ne"');
});

test('health-check matchers: one code exact, lists and ranges as an anchored regex', () => {
  assert.equal(statusMatcher({ httpCode: '200' }), 'status 200');
  assert.equal(statusMatcher({ httpCode: '200-299' }), 'rstatus "^(2[0-9][0-9])\\$"');
  assert.equal(statusMatcher({ httpCode: '200,202' }), 'rstatus "^(200|202)\\$"');
  assert.equal(statusMatcher({ httpCode: '200-205,302' }), 'rstatus "^(200|201|202|203|204|205|302)\\$"');
  assert.equal(statusMatcher({ httpCode: '200-219' }), 'rstatus "^(20[0-9]|21[0-9])\\$"');
});

test('one frontend per listener on bindAddress:port, forwarding to the default group', () => {
  const a = assignment(listener(), [tg('a')]);
  const l = lines(render(a));
  assert.ok(l.includes('frontend ls_web_8080_' + l.find((x) => x.startsWith('frontend '))!.split('_').pop()));
  assert.ok(l.includes('bind 127.0.0.1:8080'));
  assert.ok(!l.some((x) => x.includes('txn.rule')), 'no rules, no rule variable');
  assert.ok(l.includes(`use_backend ${backendName(tg('a'))}`));
  assert.ok(l.includes('stats socket "/run/x/stats.sock" mode 600 level admin expose-fd listeners'));
  assert.ok(l.includes('server-state-file "/var/x/state"'));
  assert.ok(l.includes('load-server-state-from-file global'));
});

test('rules are tried in priority order; the first match wins, conditions AND, patterns OR', () => {
  const a = assignment(listener({
    rules: [
      { ruleArn: 'r20', priority: 20, pathPatterns: ['/api/*'], action: { type: 'fixed-response', statusCode: 418, contentType: 'text/plain', messageBody: 'tea' } },
      { ruleArn: 'r5', priority: 5, pathPatterns: ['/api/v2/*', '/exact'], hostHeaders: ['API.example.com'], action: { type: 'forward', targetGroups: [{ targetGroupArn: tg('b').targetGroupArn, weight: 1 }] } },
      { ruleArn: 'r9', priority: 9, hostHeaders: ['*.Example.com'], action: { type: 'forward', targetGroups: [{ targetGroupArn: tg('a').targetGroupArn, weight: 1 }] } },
    ],
  }), [tg('a'), tg('b')]);
  const l = lines(render(a));
  const at = (s: string): number => {
    const i = l.indexOf(s);
    assert.ok(i >= 0, `missing: ${s}\n${l.join('\n')}`);
    return i;
  };
  const r1 = at('http-request set-var(txn.rule) int(1) if r1_path r1_host !{ var(txn.rule) -m found }');
  const r2 = at('http-request set-var(txn.rule) int(2) if r2_host !{ var(txn.rule) -m found }');
  const r3 = at('http-request set-var(txn.rule) int(3) if r3_path !{ var(txn.rule) -m found }');
  const def = at('http-request set-var(txn.rule) int(0) if !{ var(txn.rule) -m found }');
  assert.ok(r1 < r2 && r2 < r3 && r3 < def);
  at('acl r1_path path -m str "/exact"');
  at('acl r1_path path -m beg "/api/v2/"');
  at('acl r1_host req.hdr(host),field(1,:),lower -m str "api.example.com"');
  at('acl r2_host req.hdr(host),field(1,:),lower -m end ".example.com"');
  at('acl r3_path path -m beg "/api/"');
  // The fixed response applies only when its own rule won, so it cannot pre-empt rule 1's forward.
  at('http-request return status 418 content-type "text/plain" string "tea" if { var(txn.rule) -m int eq 3 }');
  at(`use_backend ${backendName(tg('b'))} if { var(txn.rule) -m int eq 1 }`);
  at(`use_backend ${backendName(tg('a'))} if { var(txn.rule) -m int eq 2 }`);
  at(`use_backend ${backendName(tg('a'))} if { var(txn.rule) -m int eq 0 }`);
});

test('weighted forwards draw once and split by cumulative weight; zero weights get nothing', () => {
  const a = assignment(listener({
    defaultAction: { type: 'forward', targetGroups: [
      { targetGroupArn: tg('a').targetGroupArn, weight: 30 }, { targetGroupArn: tg('z').targetGroupArn, weight: 0 }, { targetGroupArn: tg('b').targetGroupArn, weight: 70 },
    ] },
  }), [tg('a'), tg('b'), tg('z')]);
  const l = lines(render(a));
  assert.ok(l.includes('http-request set-var(txn.weight) rand(100)'));
  assert.ok(l.includes(`use_backend ${backendName(tg('a'))} if { var(txn.weight) -m int lt 30 }`));
  assert.ok(l.includes(`use_backend ${backendName(tg('b'))}`));
  assert.ok(!l.some((x) => x.startsWith(`use_backend ${backendName(tg('z'))}`)));
});

test('fixed responses: status, content type, body; no body, no payload; a forward to nothing answers 503', () => {
  const a = assignment(listener({
    defaultAction: { type: 'fixed-response', statusCode: 404 },
    rules: [{ ruleArn: 'r', priority: 1, pathPatterns: ['/gone'], action: { type: 'forward', targetGroups: [{ targetGroupArn: 'arn:unknown', weight: 1 }] } }],
  }), []);
  const l = lines(render(a));
  assert.ok(l.includes('http-request return status 404 if { var(txn.rule) -m int eq 0 }'));
  assert.ok(l.includes('http-request return status 503 content-type "text/plain" string "Service Unavailable" if { var(txn.rule) -m int eq 1 }'));
  const b = lines(render(assignment(listener({ defaultAction: { type: 'fixed-response', statusCode: 200, contentType: 'application/json', messageBody: '{"ok":true}' } }), [])));
  assert.ok(b.includes('http-request return status 200 content-type "application/json" string "{\\"ok\\":true}"'));
});

test('backends: health check from the target group, servers named ip:port, draining disabled then dropped', () => {
  const group = tg('a', {
    healthCheck: { ...hc, port: 9000, httpCode: '200-299' },
    deregistrationDelaySeconds: 10,
    targets: [{ id: '10.0.1.5', port: 8080 }, { id: '10.0.1.6', port: 8080, drainingSinceMs: 995_000 }, { id: '10.0.1.7', port: 8080, drainingSinceMs: 900_000 }],
  });
  const l = lines(render(assignment(listener(), [group])));
  const at = l.indexOf(`backend ${backendName(group)}`);
  assert.ok(at >= 0);
  const body = l.slice(at, l.indexOf('', at));
  assert.deepEqual(body, [
    `backend ${backendName(group)}`,
    'balance roundrobin',
    'option httpchk GET "/health"',
    'http-check expect rstatus "^(2[0-9][0-9])\\$"',
    'timeout check 2s',
    '# server arguments: check inter 5s fall 2 rise 3 port 9000',
    'server 10.0.1.5:8080 10.0.1.5:8080 check inter 5s fall 2 rise 3 port 9000',
    'server 10.0.1.6:8080 10.0.1.6:8080 check inter 5s fall 2 rise 3 port 9000 disabled',
  ]);
});

test('health checks disabled: no httpchk, servers without check', () => {
  const group = tg('a', { healthCheck: { ...hc, enabled: false }, targets: [{ id: '10.0.1.5', port: 80 }] });
  assert.deepEqual(serverArgs(group), []);
  const l = lines(render(assignment(listener(), [group])));
  assert.ok(!l.some((x) => x.startsWith('option httpchk')));
  assert.ok(l.includes('server 10.0.1.5:80 10.0.1.5:80'));
});

test('names are stable and safe; the output does not depend on input order', () => {
  const g1 = tg('a', { targets: [{ id: '10.0.0.2', port: 80 }, { id: '10.0.0.1', port: 80 }] });
  const g2 = tg('b');
  const x = render(assignment(listener(), [g1, g2]));
  const y = render(assignment(listener(), [g2, { ...g1, targets: [...g1.targets].reverse() }]));
  assert.equal(x, y);
  assert.match(backendName({ name: 'my group.x', targetGroupArn: 'arn' }), /^tg_my_group_x_[0-9a-f]{8}$/);
});

test('the shape ignores servers and the cursor, and nothing else', () => {
  const base = assignment(listener(), [tg('a', { targets: [{ id: '10.0.0.1', port: 80 }] })]);
  const more = { ...base, cursor: 'c2', targetGroups: [tg('a', { targets: [{ id: '10.0.0.1', port: 80 }, { id: '10.0.0.2', port: 80 }] })] };
  assert.notEqual(render(base), render(more));
  assert.equal(configShape(render(base)), configShape(render(more)));
  const slower = { ...base, targetGroups: [tg('a', { healthCheck: { ...hc, intervalSeconds: 30 }, targets: [{ id: '10.0.0.1', port: 80 }] })] };
  assert.notEqual(configShape(render(base)), configShape(render(slower)));
  const moved = assignment(listener({ port: 9090 }), base.targetGroups);
  assert.notEqual(configShape(render(base)), configShape(render(moved)));
});
