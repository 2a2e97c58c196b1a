/**
 * A service behind a Pier load balancer, all real (`pier up` with its agent: runc tasks running
 * busybox httpd, the agent's HAProxy listening on 127.0.0.1), driven with the AWS CLI v2: a client
 * on 127.0.0.1 sends requests without pause through the listener while the service rolls to a new
 * revision, and not one of them fails; the old tasks are drained before they stop. The load
 * balancer's AWS/ApplicationELB metrics, read back with `aws cloudwatch get-metric-statistics`,
 * count exactly the requests the clients made (the agent reports HAProxy's counters every 2 s here,
 * PIER_METRICS_INTERVAL_SECONDS; health checks count nowhere).
 */
import assert from 'node:assert/strict';
import { request, Agent } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { until as untilTrue } from './aws-cli-support.test.js';
import { processesMatching, RealEnv, sleep } from './tasks-real-support.test.js';
import { freePort } from '../helpers/free-port.js';

/** Whether something accepts TCP connections on 127.0.0.1:port. */
const connectsTo = (port: number): Promise<boolean> => new Promise((resolve) => {
  const socket = connect({ host: '127.0.0.1', port });
  socket.once('connect', () => {
    socket.destroy();
    resolve(true);
  });
  socket.once('error', () => resolve(false));
});

/** Serves its revision on :8080 until SIGTERM. */
const SITE = (rev: string): string => `mkdir -p /tmp/www && echo rev-${rev} > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www`;

interface Traffic { ok: number; failed: string[]; bodies: Map<string, number>; stop(): Promise<void> }

/** Every request the clients of this suite sent (a client that gives up waiting still sent it). */
let sent = 0;

/** Requests one after another on kept-alive connections (two clients), counting every answer. */
function sendTraffic(port: number): Traffic {
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  const t: Traffic = { ok: 0, failed: [], bodies: new Map(), stop: async () => undefined };
  let running = true;
  const one = (): Promise<void> => new Promise((resolve) => {
    sent++;
    const req = request({ host: '127.0.0.1', port, path: '/', agent, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        if (res.statusCode === 200) {
          t.ok++;
          t.bodies.set(body.trim(), (t.bodies.get(body.trim()) ?? 0) + 1);
        } else {
          t.failed.push(`HTTP ${res.statusCode}: ${body.slice(0, 80)}`);
        }
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => {
      t.failed.push(e.message);
      resolve();
    });
    req.end();
  });
  const loops = [0, 1].map(async () => {
    while (running) await one();
  });
  t.stop = async () => {
    running = false;
    await Promise.all(loops);
    agent.destroy();
  };
  return t;
}

describe('a service behind a Pier load balancer (runc tasks, HAProxy on the agent)', () => {
  let env: RealEnv;
  let port = 0;
  let lb = '';
  let tg = '';
  let listener = '';

  before(async () => {
    env = await RealEnv.start({ agent: true, registryAuth: 'none', pierArgs: ['--runtime', 'runc'], pierEnv: { PIER_METRICS_INTERVAL_SECONDS: '2' } });
    port = await freePort();
  });
  after(async () => {
    await env?.teardown();
  });

  const elbv2 = (args: string[]): any => env.aws.ok(args, 'elbv2');
  const service = (): any => env.aws.ok(['describe-services', '--services', 'site']).services[0];
  const liveTasks = (): string[] => {
    const arns = env.aws.ok(['list-tasks', '--service-name', 'site']).taskArns as string[];
    for (const a of arns) env.tasks.add(a);
    return arns;
  };
  const until = <T>(what: string, fn: () => T | undefined | false, timeoutMs = 180_000): Promise<T> => untilTrue(what, fn, timeoutMs, { context: () => service()?.deployments });
  const steadyOn = (revision: string) => until(`steady on site:${revision}`, () => {
    liveTasks();
    const s = service();
    return s.deployments.length === 1 && s.deployments[0].rolloutState === 'COMPLETED' && s.runningCount === 2
      && s.taskDefinition.endsWith(`:${revision}`) && s;
  });

  test('a listener forwards to the service\'s tasks once their targets are healthy', async () => {
    for (const rev of ['1', '2']) {
      env.registerTaskDefinition('site', [{ name: 'app', command: SITE(rev), portMappings: [{ containerPort: 8080, protocol: 'tcp' }], stopTimeout: 2 }]);
    }
    const net = env.defaultNetwork();
    const vpc = env.aws.ok(['describe-subnets', '--subnet-ids', net.subnets[0]!], 'ec2').Subnets[0].VpcId as string;
    lb = elbv2(['create-load-balancer', '--name', 'site', '--subnets', net.subnets[0]!, net.subnets[1]!]).LoadBalancers[0].LoadBalancerArn;
    tg = elbv2(['create-target-group', '--name', 'site', '--protocol', 'HTTP', '--port', '8080', '--vpc-id', vpc, '--target-type', 'ip',
      '--health-check-interval-seconds', '5', '--health-check-timeout-seconds', '2', '--healthy-threshold-count', '2']).TargetGroups[0].TargetGroupArn;
    elbv2(['modify-target-group-attributes', '--target-group-arn', tg, '--attributes', 'Key=deregistration_delay.timeout_seconds,Value=3']);
    listener = elbv2(['create-listener', '--load-balancer-arn', lb, '--protocol', 'HTTP', '--port', String(port),
      '--default-actions', `Type=forward,TargetGroupArn=${tg}`]).Listeners[0].ListenerArn;

    env.aws.ok(['create-service', '--service-name', 'site', '--task-definition', 'site:1', '--desired-count', '2',
      '--network-configuration', net.shorthand, '--load-balancers', `targetGroupArn=${tg},containerName=app,containerPort=8080`,
      '--deployment-configuration', 'maximumPercent=200,minimumHealthyPercent=100']);
    await steadyOn('1');
    const health = elbv2(['describe-target-health', '--target-group-arn', tg]).TargetHealthDescriptions;
    assert.equal(health.length, 2);
    assert.ok(health.every((h: any) => h.TargetHealth.State === 'healthy'), JSON.stringify(health));
    const probe = sendTraffic(port);
    await sleep(1000);
    await probe.stop();
    assert.deepEqual(probe.failed, []);
    assert.deepEqual([...probe.bodies.keys()], ['rev-1']);
  });

  test('a rolling deploy under continuous load completes with zero failed requests; old tasks drain, then stop', async () => {
    const old = liveTasks();
    const traffic = sendTraffic(port);
    try {
      await sleep(1000);
      env.aws.ok(['update-service', '--service', 'site', '--task-definition', 'site:2']);
      await steadyOn('2');
      for (const arn of old) {
        const t = await env.waitStopped(arn, 120_000);
        assert.equal(t.stopCode, 'ServiceSchedulerInitiated');
      }
      await sleep(2000);
    } finally {
      await traffic.stop();
    }
    assert.deepEqual(traffic.failed, [], `${traffic.failed.length} of ${traffic.ok + traffic.failed.length} requests failed`);
    assert.ok(traffic.ok > 50, `only ${traffic.ok} requests went through`);
    assert.ok(traffic.bodies.has('rev-1') && traffic.bodies.has('rev-2'), JSON.stringify([...traffic.bodies]));
    const after = sendTraffic(port);
    await sleep(500);
    await after.stop();
    assert.deepEqual([...after.bodies.keys()], ['rev-2'], 'only the new revision answers once the deploy is done');
  });

  test('CloudWatch has the load balancer\'s metrics: RequestCount sums to the requests made, with ALB\'s dimensions', async () => {
    const lbDim = { Name: 'LoadBalancer', Value: lb.slice(lb.indexOf(':loadbalancer/') + ':loadbalancer/'.length) };
    const tgDim = { Name: 'TargetGroup', Value: tg.slice(tg.indexOf('targetgroup/')) };
    assert.match(lbDim.Value, /^app\/site\/[0-9a-f]{16}$/);
    const now = Math.floor(Date.now() / 1000);
    const stats = (metric: string, dims: { Name: string; Value: string }[], statistic: string): number[] => {
      const out = env.aws.ok(['get-metric-statistics', '--namespace', 'AWS/ApplicationELB', '--metric-name', metric,
        '--dimensions', ...dims.map((d) => `Name=${d.Name},Value=${d.Value}`), '--statistics', statistic,
        '--start-time', String(now - 1800), '--end-time', String(now + 120), '--period', '60'], 'cloudwatch');
      return (out.Datapoints as Record<string, number>[]).map((p) => p[statistic]!);
    };
    const total = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    const made = sent;
    assert.ok(made > 50, `${made} requests`);
    // The last requests reach CloudWatch at the agent's next reading (every 2 s here).
    await until(`RequestCount to reach the ${made} requests made`, () => total(stats('RequestCount', [lbDim], 'Sum')) >= made || undefined, 20_000);
    await sleep(2500);
    assert.equal(total(stats('RequestCount', [lbDim], 'Sum')), made, 'each request once; health checks are not requests');
    // The rest in one call (each CLI run costs seconds here).
    const query = (id: string, metric: string, dims: { Name: string; Value: string }[], stat: string) => ({
      Id: id, MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: metric, Dimensions: dims }, Period: 60, Stat: stat },
    });
    const results = env.aws.ok(['get-metric-data', '--start-time', String(now - 1800), '--end-time', String(now + 120), '--metric-data-queries', JSON.stringify([
      query('bygroup', 'RequestCount', [tgDim], 'Sum'), query('ok', 'HTTPCode_Target_2XX_Count', [lbDim, tgDim], 'Sum'),
      query('pertarget', 'RequestCountPerTarget', [tgDim], 'Sum'), query('healthy', 'HealthyHostCount', [lbDim, tgDim], 'Maximum'),
      query('rt', 'TargetResponseTime', [lbDim, tgDim], 'Average'),
    ])], 'cloudwatch').MetricDataResults as { Id: string; Values: number[] }[];
    const values = (id: string): number[] => results.find((r) => r.Id === id)!.Values;
    assert.equal(total(values('bygroup')), made);
    assert.equal(total(values('ok')), made, 'every answer was a target\'s 200');
    const perTarget = values('pertarget');
    assert.ok(perTarget.length > 0 && total(perTarget) > 0 && total(perTarget) < made, `RequestCountPerTarget ${perTarget}`);
    const healthy = values('healthy');
    assert.ok(healthy.length > 0 && Math.max(...healthy) >= 2 && Math.max(...healthy) <= 4, `HealthyHostCount ${healthy}`);
    const rt = values('rt');
    assert.ok(rt.length > 0 && rt.every((v) => v >= 0 && v < 1), `TargetResponseTime ${rt}`);
    const listed = env.aws.ok(['list-metrics', '--namespace', 'AWS/ApplicationELB'], 'cloudwatch').Metrics as { MetricName: string; Dimensions: { Name: string; Value: string }[] }[];
    const dimsOf = (name: string): string[] => listed.filter((m) => m.MetricName === name).map((m) => m.Dimensions.map((d) => `${d.Name}=${d.Value}`).join(',')).sort();
    const [L, G] = [`LoadBalancer=${lbDim.Value}`, `TargetGroup=${tgDim.Value}`];
    assert.deepEqual(dimsOf('RequestCount'), [L, `${L},${G}`, G]);
    assert.deepEqual(dimsOf('RequestCountPerTarget'), [`${L},${G}`, G]);
    assert.deepEqual(dimsOf('HealthyHostCount'), [`${L},${G}`]);
  });

  test('deleting the service and the load balancer stops everything; nothing is left on the host', async () => {
    const tasks = liveTasks();
    env.aws.ok(['delete-service', '--service', 'site', '--force']);
    for (const arn of tasks) await env.waitStopped(arn, 120_000);
    elbv2(['delete-listener', '--listener-arn', listener]);
    elbv2(['delete-load-balancer', '--load-balancer-arn', lb]);
    elbv2(['delete-target-group', '--target-group-arn', tg]);
    // The agent stops HAProxy once it hears no load balancer is left (one that stops with
    // listeners up leaves them for its successor): only then may the server stop.
    await untilTrue('the listener to close', () => connectsTo(port).then((open) => !open), 30_000, { everyMs: 200 });
    await untilTrue('HAProxy to stop', () => processesMatching(join(env.dataDir, 'agent', 'load-balancer', 'haproxy.cfg')).length === 0, 30_000, { everyMs: 200 });
    await env.assertNothingLeft();
  });
});
