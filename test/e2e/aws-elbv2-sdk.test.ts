/**
 * ELBv2 with the AWS SDK for JavaScript v3 against a real `pier up` (control plane only): the
 * SDK's own XML parsing of every answer, its modelled error classes, its paginators over Marker
 * (ELBv2's paginators leave PageSize to the input), weighted forwards, and target health as a test host reports it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateRuleCommand, CreateTargetGroupCommand, DeleteListenerCommand,
  DeleteLoadBalancerCommand, DeleteTargetGroupCommand, DescribeRulesCommand, DescribeTargetHealthCommand, DuplicateListenerException,
  DescribeLoadBalancersCommand, DuplicateLoadBalancerNameException, type ElasticLoadBalancingV2Client, InvalidConfigurationRequestException, ListenerNotFoundException, PriorityInUseException,
  RegisterTargetsCommand, ResourceInUseException, TargetGroupNotFoundException, paginateDescribeLoadBalancers, paginateDescribeRules,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { startPier, type PierProcess } from '../helpers/pier-process.js';
import { TestHost } from '../helpers/test-host.js';
import { Aws, debianCli, defaultNetwork } from './aws-cli-support.test.js';
import { defaultVpc, elbv2Client } from './aws-elbv2-support.test.js';

describe('ELBv2 with the JS SDK v3', () => {
  let pier: PierProcess;
  let elb: ElasticLoadBalancingV2Client;
  let subnets: string[] = [];
  let vpcId = '';
  let vpcPrefix = '';

  before(async () => {
    pier = await startPier({ isolatedVpc: true });
    elb = elbv2Client(pier);
    const aws = new Aws(debianCli(), pier);
    subnets = defaultNetwork(aws).subnets;
    ({ vpcId, prefix: vpcPrefix } = defaultVpc(aws));
  });
  after(async () => {
    elb?.destroy();
    await pier?.destroy();
  });

  test('load balancers page by name with PageSize and Marker; a taken name with other settings is DuplicateLoadBalancerNameException', async () => {
    for (const name of ['c-lb', 'a-lb', 'b-lb']) await elb.send(new CreateLoadBalancerCommand({ Name: name, Subnets: subnets }));
    const pages: string[][] = [];
    for await (const page of paginateDescribeLoadBalancers({ client: elb }, { PageSize: 2 })) pages.push((page.LoadBalancers ?? []).map((lb) => lb.LoadBalancerName!));
    assert.deepEqual(pages, [['a-lb', 'b-lb'], ['c-lb']]);
    await assert.rejects(elb.send(new CreateLoadBalancerCommand({ Name: 'a-lb', Subnets: subnets.slice(0, 2) })), (err: unknown) => {
      assert.ok(err instanceof DuplicateLoadBalancerNameException);
      assert.equal(err.$metadata.httpStatusCode, 400);
      return true;
    });
  });

  test('a weighted forward over two groups, a host-header rule; the modelled errors', async () => {
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'web', Subnets: subnets, Scheme: 'internal' }))).LoadBalancers![0]!;
    assert.match(lb.DNSName!, /^internal-web-\d{10}\.us-east-1\.elb\.localhost$/);
    assert.ok(lb.CreatedTime instanceof Date);
    const group = async (Name: string) => (await elb.send(new CreateTargetGroupCommand({ Name, Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: 'ip' }))).TargetGroups![0]!.TargetGroupArn!;
    const [blue, green] = [await group('blue'), await group('green')];
    const listener = (await elb.send(new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 8090,
      DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 90 }, { TargetGroupArn: green, Weight: 10 }] } }],
    }))).Listeners![0]!;
    assert.deepEqual(listener.DefaultActions, [{ Type: 'forward', ForwardConfig: {
      TargetGroups: [{ TargetGroupArn: blue, Weight: 90 }, { TargetGroupArn: green, Weight: 10 }], TargetGroupStickinessConfig: { Enabled: false },
    } }]);
    const rule = (await elb.send(new CreateRuleCommand({
      ListenerArn: listener.ListenerArn, Priority: 5, Conditions: [{ Field: 'host-header', Values: ['green.example.com'] }],
      Actions: [{ Type: 'forward', TargetGroupArn: green }],
    }))).Rules![0]!;
    assert.deepEqual(rule.Conditions, [{ Field: 'host-header', Values: ['green.example.com'], HostHeaderConfig: { Values: ['green.example.com'] } }]);
    const rules: string[] = [];
    for await (const page of paginateDescribeRules({ client: elb }, { ListenerArn: listener.ListenerArn, PageSize: 1 })) rules.push(...(page.Rules ?? []).map((r) => r.Priority!));
    assert.deepEqual(rules, ['5', 'default']);

    const rejects = (p: Promise<unknown>, cls: new (...args: never[]) => Error) => assert.rejects(p, (err: unknown) => err instanceof cls);
    await rejects(elb.send(new CreateRuleCommand({ ListenerArn: listener.ListenerArn, Priority: 5, Conditions: [{ Field: 'path-pattern', Values: ['/x'] }], Actions: [{ Type: 'forward', TargetGroupArn: blue }] })), PriorityInUseException);
    await rejects(elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 8090, DefaultActions: [{ Type: 'forward', TargetGroupArn: green }] })), DuplicateListenerException);
    await rejects(elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 8091, DefaultActions: [{ Type: 'forward', TargetGroupArn: `${green}0` }] })), TargetGroupNotFoundException);
    await rejects(elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: green })), ResourceInUseException);
    // Hosts bind every load balancer's listeners on one address: a port serves one load balancer.
    const other = (await elb.send(new DescribeLoadBalancersCommand({ Names: ['a-lb'] }))).LoadBalancers![0]!.LoadBalancerArn;
    await rejects(elb.send(new CreateListenerCommand({ LoadBalancerArn: other, Protocol: 'HTTP', Port: 8090, DefaultActions: [{ Type: 'forward', TargetGroupArn: blue }] })), InvalidConfigurationRequestException);
    assert.equal((await elb.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }))).Rules!.length, 2, 'the refusals changed nothing');

    // Health as a host reports it: healthy wins when hosts disagree.
    const ip = `${vpcPrefix}.3.30`;
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: green, Targets: [{ Id: ip }] }));
    const [h1, h2] = [await TestHost.register(pier.endpoint, pier.dataDir), await TestHost.register(pier.endpoint, pier.dataDir)];
    await h1.reportTargetHealth([{ targetGroupArn: green, id: ip, port: 80, state: 'unhealthy', reason: 'Target.Timeout' }]);
    const health = async () => (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: green }))).TargetHealthDescriptions![0]!.TargetHealth;
    assert.deepEqual(await health(), { State: 'unhealthy', Reason: 'Target.Timeout' });
    await h2.reportTargetHealth([{ targetGroupArn: green, id: ip, port: 80, state: 'healthy' }]);
    assert.deepEqual(await health(), { State: 'healthy' });

    await elb.send(new DeleteListenerCommand({ ListenerArn: listener.ListenerArn }));
    await rejects(elb.send(new DeleteListenerCommand({ ListenerArn: listener.ListenerArn })), ListenerNotFoundException);
    assert.deepEqual(await health(), { State: 'unused', Reason: 'Target.NotInUse', Description: 'Target group is not configured to receive traffic from the load balancer' });
    for (const arn of [blue, green]) await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }));
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
  });
});
