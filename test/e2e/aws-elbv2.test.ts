/**
 * ELBv2 against a real `pier up` (control plane only) with the real AWS CLI v2 (Debian's
 * /usr/bin/aws) and v1 (first on PATH, when present): a load balancer in the default VPC's subnets,
 * a target group, a listener and rules, targets whose health a test host reports through the agent
 * protocol, draining, deletes in the wrong order, and refusals that change nothing (checked with the
 * JS SDK, which reads the whole configuration quickly between CLI calls).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand, DescribeTargetHealthCommand, type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { startPier, type PierProcess } from '../helpers/pier-process.js';
import { TestHost } from '../helpers/test-host.js';
import { Aws, debianCli, defaultNetwork, sleep, v1Cli, v2Only, type DefaultNetwork } from './aws-cli-support.test.js';
import { defaultVpc, elbv2Client } from './aws-elbv2-support.test.js';

const clis = [debianCli(), ...(v1Cli() ? [v1Cli()!] : [])];
const LB_ARN = /^arn:aws:elasticloadbalancing:us-east-1:\d{12}:loadbalancer\/app\/web\/[0-9a-f]{16}$/;

for (const cli of clis) {
  describe(`aws elbv2 with ${cli.name} (${cli.version.split(' ')[0]})`, () => {
    const testV2 = v2Only(cli);
    let pier: PierProcess;
    let aws: Aws;
    let sdk: ElasticLoadBalancingV2Client;
    let net: DefaultNetwork;
    let vpcId = '';
    let vpcPrefix = '';
    let lbArn = '';
    let tgArn = '';
    let listenerArn = '';
    const rules: Record<string, string> = {};
    const elb = (args: string[]) => aws.ok(args, 'elbv2');
    /** The operation is named after the command: create-load-balancer → CreateLoadBalancer. */
    const fail = (args: string[], code: string, message: string | RegExp) =>
      aws.fail(args, code, args[0]!.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join(''), message, 'elbv2');
    /** Everything there is to see, for before/after comparisons around refused calls. */
    const snapshot = async () => {
      const tgs = (await sdk.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
      const lbs = (await sdk.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
      const out: unknown[] = [lbs.map((lb) => ({ ...lb, State: undefined })), tgs];
      for (const lb of lbs) {
        const listeners = (await sdk.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
        out.push(listeners);
        for (const l of listeners) out.push((await sdk.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules);
      }
      for (const tg of tgs) {
        out.push((await sdk.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn }))).Attributes);
        out.push((await sdk.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions);
      }
      return out;
    };
    const unchanged = async (what: string, fn: () => void) => {
      const before = await snapshot();
      fn();
      assert.deepEqual(await snapshot(), before, `${what} changed nothing`);
    };

    before(async () => {
      // The test host reports health but does not heartbeat: it must not be marked LOST while slow CLI calls run.
      pier = await startPier({ isolatedVpc: true, args: ['--host-lost-after-seconds', '600'] });
      aws = new Aws(cli, pier);
      sdk = elbv2Client(pier);
      net = defaultNetwork(aws);
      ({ vpcId, prefix: vpcPrefix } = defaultVpc(aws));
    });
    after(async () => {
      sdk?.destroy();
      await pier?.destroy();
    });

    test('create-load-balancer in the default subnets: provisioning, then active; a *.localhost DNS name; the default group', () => {
      const [lb] = elb(['create-load-balancer', '--name', 'web', '--subnets', ...net.subnets, '--tags', 'Key=team,Value=web']).LoadBalancers;
      assert.match(lb.LoadBalancerArn, LB_ARN);
      lbArn = lb.LoadBalancerArn;
      assert.match(lb.DNSName, /^web-\d{10}\.us-east-1\.elb\.localhost$/);
      assert.deepEqual([lb.Type, lb.Scheme, lb.VpcId, lb.State.Code, lb.IpAddressType, lb.SecurityGroups], ['application', 'internet-facing', vpcId, 'provisioning', 'ipv4', [net.securityGroup]]);
      assert.deepEqual(lb.AvailabilityZones.map((z: { SubnetId: string }) => z.SubnetId), net.subnets);
      elb(['wait', 'load-balancer-available', '--load-balancer-arns', lbArn]);
      assert.equal(elb(['describe-load-balancers', '--names', 'web']).LoadBalancers[0].State.Code, 'active');
      assert.deepEqual(elb(['describe-tags', '--resource-arns', lbArn]).TagDescriptions, [{ ResourceArn: lbArn, Tags: [{ Key: 'team', Value: 'web' }] }]);
      // Idempotent with the same settings, as ELBv2.
      assert.equal(elb(['create-load-balancer', '--name', 'web', '--subnets', ...net.subnets]).LoadBalancers[0].LoadBalancerArn, lbArn);
    });

    testV2('load balancers refused: one zone, an unknown subnet, a bad name, another type, a taken name with other settings', async () => {
      await unchanged('the refused creates', () => {
        fail(['create-load-balancer', '--name', 'one', '--subnets', net.subnets[0]!], 'ValidationError', 'At least two subnets in two different Availability Zones must be specified');
        fail(['create-load-balancer', '--name', 'ghost', '--subnets', net.subnets[0]!, 'subnet-0123456789abcdef0'], 'SubnetNotFound', "The subnet ID 'subnet-0123456789abcdef0' is not valid");
        fail(['create-load-balancer', '--name', 'bad_name', '--subnets', ...net.subnets], 'ValidationError', /^Load balancer name 'bad_name' can only contain/);
        fail(['create-load-balancer', '--name', 'nlb', '--type', 'network', '--subnets', ...net.subnets], 'ValidationError', /type 'network' is not supported/);
        fail(['create-load-balancer', '--name', 'web', '--scheme', 'internal', '--subnets', ...net.subnets], 'DuplicateLoadBalancerName',
          "A load balancer with the same name 'web' exists, but with different settings");
        fail(['describe-load-balancers', '--names', 'nope'], 'LoadBalancerNotFound', "Load balancers '[nope]' not found");
      });
    });

    test('create-target-group: ip, HTTP, health-check settings over the defaults; attributes with a 300 s deregistration delay', async () => {
      const [tg] = elb(['create-target-group', '--name', 'web-tg', '--protocol', 'HTTP', '--port', '8080', '--vpc-id', vpcId, '--target-type', 'ip',
        '--health-check-path', '/health', '--health-check-interval-seconds', '5', '--health-check-timeout-seconds', '2', '--matcher', 'HttpCode=200-299']).TargetGroups;
      tgArn = tg.TargetGroupArn;
      assert.match(tgArn, /:targetgroup\/web-tg\/[0-9a-f]{16}$/);
      assert.deepEqual(tg, {
        TargetGroupArn: tgArn, TargetGroupName: 'web-tg', Protocol: 'HTTP', Port: 8080, VpcId: vpcId, HealthCheckProtocol: 'HTTP',
        HealthCheckPort: 'traffic-port', HealthCheckEnabled: true, HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2,
        HealthyThresholdCount: 5, UnhealthyThresholdCount: 2, HealthCheckPath: '/health', Matcher: { HttpCode: '200-299' },
        LoadBalancerArns: [], TargetType: 'ip', ProtocolVersion: 'HTTP1', IpAddressType: 'ipv4',
      });
      const attrs = elb(['describe-target-group-attributes', '--target-group-arn', tgArn]).Attributes as { Key: string; Value: string }[];
      assert.equal(attrs.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value, '300');
      const changed = elb(['modify-target-group-attributes', '--target-group-arn', tgArn, '--attributes', 'Key=deregistration_delay.timeout_seconds,Value=6']).Attributes as { Key: string; Value: string }[];
      assert.equal(changed.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value, '6');
      const modified = elb(['modify-target-group', '--target-group-arn', tgArn, '--healthy-threshold-count', '2']).TargetGroups[0];
      assert.deepEqual([modified.HealthyThresholdCount, modified.HealthCheckIntervalSeconds], [2, 5]);
      await unchanged('the refused target-group calls', () => {
        fail(['create-target-group', '--name', 'web-tg', '--protocol', 'HTTP', '--port', '9090', '--vpc-id', vpcId, '--target-type', 'ip'],
          'DuplicateTargetGroupName', "A target group with the same name 'web-tg' exists, but with different settings");
        fail(['create-target-group', '--name', 'inst', '--protocol', 'HTTP', '--port', '80', '--vpc-id', vpcId], 'ValidationError', /Target type 'instance' is not supported by Pier/);
        fail(['create-target-group', '--name', 'slow', '--protocol', 'HTTP', '--port', '80', '--vpc-id', vpcId, '--target-type', 'ip', '--health-check-interval-seconds', '301'],
          'ValidationError', /^1 validation error detected: Value '301' at 'healthCheckIntervalSeconds' failed to satisfy constraint/);
        fail(['create-target-group', '--name', 'slow', '--protocol', 'HTTP', '--port', '80', '--vpc-id', vpcId, '--target-type', 'ip', '--health-check-timeout-seconds', '30'],
          'ValidationError', "Health check timeout '30' must be smaller than the interval '30'");
        fail(['modify-target-group', '--target-group-arn', tgArn, '--matcher', 'HttpCode=600'], 'ValidationError', "Health check matcher HTTP code '600' must be within '200-499' range");
        fail(['modify-target-group-attributes', '--target-group-arn', tgArn, '--attributes', 'Key=deregistration_delay.timeout_seconds,Value=3601'],
          'ValidationError', /deregistration_delay\.timeout_seconds' value '3601' is not valid/);
        fail(['describe-target-group-attributes', '--target-group-arn', tgArn.replace(/[0-9a-f]{16}$/, '0000000000000000')], 'TargetGroupNotFound', /not found/);
      });
    });

    test('create-listener forwarding to the group; the group then names the load balancer; a taken port and unknown groups are refused', async () => {
      const [l] = elb(['create-listener', '--load-balancer-arn', lbArn, '--protocol', 'HTTP', '--port', '8081', '--default-actions', `Type=forward,TargetGroupArn=${tgArn}`]).Listeners;
      listenerArn = l.ListenerArn;
      assert.equal(listenerArn, `${lbArn.replace(':loadbalancer/', ':listener/')}/${listenerArn.split('/').pop()}`);
      assert.deepEqual(l.DefaultActions, [{ Type: 'forward', TargetGroupArn: tgArn, ForwardConfig: { TargetGroups: [{ TargetGroupArn: tgArn, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } } }]);
      assert.deepEqual(elb(['describe-listeners', '--load-balancer-arn', lbArn]).Listeners, [l]);
      assert.deepEqual(elb(['describe-target-groups', '--load-balancer-arn', lbArn]).TargetGroups.map((g: { LoadBalancerArns: string[] }) => g.LoadBalancerArns), [[lbArn]]);
      await unchanged('the refused listener calls', () => {
        fail(['create-listener', '--load-balancer-arn', lbArn, '--protocol', 'HTTP', '--port', '8081', '--default-actions', 'Type=fixed-response,FixedResponseConfig={StatusCode=503}'],
          'DuplicateListener', `A listener already exists on this port for this load balancer '${lbArn}'`);
        fail(['create-listener', '--load-balancer-arn', lbArn, '--protocol', 'HTTP', '--port', '8082', '--default-actions', `Type=forward,TargetGroupArn=${tgArn}0`],
          'TargetGroupNotFound', `Target groups '${tgArn}0' not found`);
        fail(['create-listener', '--load-balancer-arn', `${lbArn}0`, '--protocol', 'HTTP', '--port', '8082', '--default-actions', `Type=forward,TargetGroupArn=${tgArn}`],
          'LoadBalancerNotFound', `Load balancer '${lbArn}0' not found`);
        fail(['create-listener', '--load-balancer-arn', lbArn, '--protocol', 'HTTPS', '--port', '8443', '--default-actions', `Type=forward,TargetGroupArn=${tgArn}`],
          'UnsupportedProtocol', /HTTPS/);
        fail(['describe-listeners', '--listener-arns', `${listenerArn}0`], 'ListenerNotFound', 'One or more listeners not found');
      });
    });

    test('rules: path-pattern and host-header (both forms), unique priorities, the default rule last, priorities swapped, conditions changed', async () => {
      const [api] = elb(['create-rule', '--listener-arn', listenerArn, '--priority', '10', '--conditions', 'Field=path-pattern,Values=/api/*',
        '--actions', `Type=forward,TargetGroupArn=${tgArn}`]).Rules;
      rules['api'] = api.RuleArn;
      assert.deepEqual([api.Priority, api.IsDefault, api.Conditions], ['10', false, [{ Field: 'path-pattern', Values: ['/api/*'], PathPatternConfig: { Values: ['/api/*'] } }]]);
      const [host] = elb(['create-rule', '--listener-arn', listenerArn, '--priority', '20',
        '--conditions', JSON.stringify([{ Field: 'host-header', HostHeaderConfig: { Values: ['admin.example.com'] } }]),
        '--actions', JSON.stringify([{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '403', ContentType: 'text/plain', MessageBody: 'no' } }])]).Rules;
      rules['host'] = host.RuleArn;
      assert.deepEqual(host.Conditions, [{ Field: 'host-header', Values: ['admin.example.com'], HostHeaderConfig: { Values: ['admin.example.com'] } }]);
      const listed = elb(['describe-rules', '--listener-arn', listenerArn]).Rules as { Priority: string; IsDefault: boolean; RuleArn: string; Conditions: unknown[] }[];
      assert.deepEqual(listed.map((r) => [r.Priority, r.IsDefault]), [['10', false], ['20', false], ['default', true]]);
      rules['default'] = listed[2]!.RuleArn;
      assert.deepEqual(listed[2]!.Conditions, []);
      await unchanged('the refused rule calls', () => {
        fail(['create-rule', '--listener-arn', listenerArn, '--priority', '10', '--conditions', 'Field=path-pattern,Values=/x', '--actions', `Type=forward,TargetGroupArn=${tgArn}`],
          'PriorityInUse', "Priority '10' is currently in use");
        fail(['create-rule', '--listener-arn', listenerArn, '--priority', '50001', '--conditions', 'Field=path-pattern,Values=/x', '--actions', `Type=forward,TargetGroupArn=${tgArn}`],
          'ValidationError', /^1 validation error detected: Value '50001' at 'priority'/);
        fail(['create-rule', '--listener-arn', listenerArn, '--priority', '30', '--conditions', 'Field=path-pattern,Values=/a b', '--actions', `Type=forward,TargetGroupArn=${tgArn}`],
          'ValidationError', "The 'path-pattern' value '/a b' contains characters that are not valid");
        fail(['create-rule', '--listener-arn', listenerArn, '--priority', '30', '--conditions', 'Field=path-pattern,Values=/x', '--actions', 'Type=redirect,RedirectConfig={StatusCode=HTTP_301}'],
          'InvalidLoadBalancerAction', /'redirect' is not supported/);
        fail(['set-rule-priorities', '--rule-priorities', `RuleArn=${rules['api']},Priority=20`], 'PriorityInUse', "Priority '20' is currently in use");
        fail(['set-rule-priorities', '--rule-priorities', `RuleArn=${rules['default']},Priority=5`], 'OperationNotPermitted', /cannot have its priority changed/);
        fail(['delete-rule', '--rule-arn', rules['default']!], 'OperationNotPermitted', `Default rule '${rules['default']}' cannot be deleted`);
        fail(['modify-rule', '--rule-arn', `${rules['api']}0`, '--conditions', 'Field=path-pattern,Values=/x'], 'RuleNotFound', `Rule '${rules['api']}0' not found`);
      });
      const swapped = elb(['set-rule-priorities', '--rule-priorities', `RuleArn=${rules['api']},Priority=20`, `RuleArn=${rules['host']},Priority=10`]).Rules as { RuleArn: string; Priority: string }[];
      assert.deepEqual(swapped.map((r) => [r.RuleArn, r.Priority]), [[rules['api'], '20'], [rules['host'], '10']]);
      const modified = elb(['modify-rule', '--rule-arn', rules['api']!, '--conditions', 'Field=path-pattern,Values=/v2/*,/v3/*']).Rules[0];
      assert.deepEqual(modified.Conditions[0].Values, ['/v2/*', '/v3/*']);
      assert.deepEqual(elb(['describe-rules', '--rule-arns', rules['api']!]).Rules[0].Priority, '20');
    });

    test('targets: registered in the VPC (port defaults to the group\'s); initial until a host reports; then the host\'s word; draining, then gone', async () => {
      const [a, b] = [`${vpcPrefix}.1.10`, `${vpcPrefix}.2.20`];
      await unchanged('the refused registrations', () => {
        fail(['register-targets', '--target-group-arn', tgArn, '--targets', 'Id=192.0.2.7'], 'InvalidTarget', /'192\.0\.2\.7' is not within the CIDR block of the target group's VPC/);
        fail(['register-targets', '--target-group-arn', tgArn, '--targets', 'Id=not-an-ip'], 'InvalidTarget', /not a valid IPv4 address/);
        fail(['deregister-targets', '--target-group-arn', tgArn, '--targets', `Id=${a}`], 'InvalidTarget', /are not registered/);
      });
      elb(['register-targets', '--target-group-arn', tgArn, '--targets', `Id=${a}`, `Id=${b},Port=9000`]);
      const health = () => (elb(['describe-target-health', '--target-group-arn', tgArn]).TargetHealthDescriptions as { Target: { Id: string; Port: number }; HealthCheckPort: string; TargetHealth: { State: string; Reason?: string } }[])
        .map((d) => [d.Target.Id, d.Target.Port, d.HealthCheckPort, d.TargetHealth.State, d.TargetHealth.Reason]);
      assert.deepEqual(health(), [[a, 8080, '8080', 'initial', 'Elb.RegistrationInProgress'], [b, 9000, '9000', 'initial', 'Elb.RegistrationInProgress']]);

      const host = await TestHost.register(pier.endpoint, pier.dataDir);
      const config = await host.loadBalancers();
      assert.equal(config.loadBalancers.length, 1);
      const [lb] = config.loadBalancers;
      assert.deepEqual([lb!.loadBalancerArn, lb!.bindAddress, lb!.listeners.map((l) => l.port)], [lbArn, '127.0.0.1', [8081]]);
      assert.deepEqual(lb!.listeners[0]!.rules.map((r) => [r.priority, r.pathPatterns, r.hostHeaders, r.action.type]),
        [[10, undefined, ['admin.example.com'], 'fixed-response'], [20, ['/v2/*', '/v3/*'], undefined, 'forward']]);
      assert.deepEqual(config.targetGroups.map((g) => [g.targetGroupArn, g.deregistrationDelaySeconds, g.healthCheck.path, g.targets]),
        [[tgArn, 6, '/health', [{ id: a, port: 8080 }, { id: b, port: 9000 }]]]);

      // A poll holding the current cursor waits until the configuration changes.
      const started = Date.now();
      const waiting = host.loadBalancers(config.cursor, 20);
      await sleep(300);
      elb(['modify-target-group', '--target-group-arn', tgArn, '--health-check-path', '/ready']);
      const next = await waiting;
      assert.ok(Date.now() - started < 15_000, 'the long poll answered when the group changed');
      assert.notEqual(next.cursor, config.cursor);
      assert.equal(next.targetGroups[0]!.healthCheck.path, '/ready');

      await host.reportTargetHealth([
        { targetGroupArn: tgArn, id: a, port: 8080, state: 'healthy' },
        { targetGroupArn: tgArn, id: b, port: 9000, state: 'unhealthy', reason: 'Target.ResponseCodeMismatch', description: 'Health checks failed with these codes: [500]' },
      ]);
      assert.deepEqual(health(), [[a, 8080, '8080', 'healthy', undefined], [b, 9000, '9000', 'unhealthy', 'Target.ResponseCodeMismatch']]);

      elb(['deregister-targets', '--target-group-arn', tgArn, '--targets', `Id=${a}`]);
      const deregistered = Date.now();
      // Checked in-process (the SDK, the agent route): a loaded machine may take seconds per CLI call.
      const draining = await host.loadBalancers();
      assert.equal(typeof draining.targetGroups[0]!.targets.find((t) => t.id === a)?.drainingSinceMs, 'number');
      const drainingHealth = (await sdk.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions![0]!;
      assert.deepEqual([drainingHealth.Target?.Id, drainingHealth.TargetHealth], [a, { State: 'draining', Reason: 'Target.DeregistrationInProgress', Description: 'Target deregistration is in progress' }]);
      await sleep(Math.max(0, deregistered + 6200 - Date.now()));
      assert.deepEqual(health(), [[b, 9000, '9000', 'unhealthy', 'Target.ResponseCodeMismatch']], 'gone after the 6 s delay');
      assert.deepEqual((await host.loadBalancers()).targetGroups[0]!.targets, [{ id: b, port: 9000 }]);
      const asked = elb(['describe-target-health', '--target-group-arn', tgArn, '--targets', `Id=${a}`]).TargetHealthDescriptions[0];
      assert.deepEqual(asked.TargetHealth, { State: 'unused', Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' });
    });

    testV2('tags on every kind of resource; unknown ARNs are refused', async () => {
      elb(['add-tags', '--resource-arns', tgArn, listenerArn, rules['api']!, '--tags', 'Key=env,Value=test', 'Key=owner,Value=me']);
      elb(['remove-tags', '--resource-arns', listenerArn, '--tag-keys', 'owner']);
      const tags = elb(['describe-tags', '--resource-arns', tgArn, listenerArn, rules['api']!]).TagDescriptions as { Tags: unknown[] }[];
      assert.deepEqual(tags.map((t) => t.Tags.length), [2, 1, 2]);
      await unchanged('the refused tag calls', () => {
        fail(['add-tags', '--resource-arns', `${lbArn}0`, '--tags', 'Key=a,Value=b'], 'LoadBalancerNotFound', `Load balancer '${lbArn}0' not found`);
        fail(['add-tags', '--resource-arns', tgArn, '--tags', 'Key=aws:x,Value=b'], 'ValidationError', "Tag key 'aws:x' cannot start with 'aws:'");
      });
    });

    testV2('deletes in the wrong order are refused; a load balancer goes with its listeners and rules', async () => {
      await unchanged('the refused delete', () => {
        fail(['delete-target-group', '--target-group-arn', tgArn], 'ResourceInUse', `Target group '${tgArn}' is currently in use by a listener or a rule`);
      });
      elb(['delete-rule', '--rule-arn', rules['host']!]);
      fail(['describe-rules', '--rule-arns', rules['host']!], 'RuleNotFound', `Rule '${rules['host']}' not found`);
      elb(['delete-load-balancer', '--load-balancer-arn', lbArn]);
      fail(['describe-listeners', '--listener-arns', listenerArn], 'ListenerNotFound', 'One or more listeners not found');
      fail(['describe-rules', '--rule-arns', rules['api']!], 'RuleNotFound', `Rule '${rules['api']}' not found`);
      assert.deepEqual(elb(['describe-target-groups', '--names', 'web-tg']).TargetGroups[0].LoadBalancerArns, []);
      elb(['delete-target-group', '--target-group-arn', tgArn]);
      fail(['describe-target-groups', '--names', 'web-tg'], 'TargetGroupNotFound', "Target groups '[web-tg]' not found");
      assert.deepEqual(elb(['describe-load-balancers']).LoadBalancers, []);
      // Deleting what is gone succeeds, as in ELBv2.
      elb(['delete-load-balancer', '--load-balancer-arn', lbArn]);
      elb(['delete-target-group', '--target-group-arn', tgArn]);
    });
  });
}
