/**
 * The store's behaviour suite for ELBv2: load balancers and target groups (names unique), listeners
 * (one per port of a load balancer), rules (one per priority of a listener), targets, tags, hosts'
 * target-health reports; what removing a parent takes with it, what a refused write leaves, reset
 * and reopen. Every store implementation must pass it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConflictError, type ListenerRecord, type LoadBalancerRecord, type RuleRecord, type TargetGroupRecord,
} from '../../src/store/store.js';
import { describeStoreContract } from '../helpers/store-contract.js';

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:';

const lb = (name: string): LoadBalancerRecord => ({
  arn: `${ARN}loadbalancer/app/${name}/0123456789abcdef`, name, dnsName: `${name}-1.us-east-1.elb.localhost`, scheme: 'internet-facing',
  vpcId: 'vpc-1', subnets: [{ subnetId: 'subnet-a', availabilityZone: 'us-east-1a' }, { subnetId: 'subnet-b', availabilityZone: 'us-east-1b' }],
  securityGroups: ['sg-1'], ipAddressType: 'ipv4', createdAt: 1000,
});
const tg = (name: string): TargetGroupRecord => ({
  arn: `${ARN}targetgroup/${name}/0123456789abcdef`, name, protocol: 'HTTP', protocolVersion: 'HTTP1', port: 80, vpcId: 'vpc-1',
  targetType: 'ip', ipAddressType: 'ipv4', createdAt: 1000, attributes: { 'deregistration_delay.timeout_seconds': '300' },
  healthCheck: { enabled: true, protocol: 'HTTP', port: 'traffic-port', path: '/', intervalSeconds: 30, timeoutSeconds: 5, healthyThresholdCount: 5, unhealthyThresholdCount: 2, httpCode: '200' },
});
const listener = (owner: LoadBalancerRecord, port: number, target: TargetGroupRecord): ListenerRecord => ({
  arn: `${owner.arn.replace(':loadbalancer/', ':listener/')}/${String(port).padStart(16, '0')}`, loadBalancerArn: owner.arn, port, protocol: 'HTTP',
  defaultActions: [{ Type: 'forward', TargetGroupArn: target.arn }], createdAt: 1000,
});
const rule = (l: ListenerRecord, priority: number): RuleRecord => ({
  arn: `${l.arn.replace(':listener/', ':listener-rule/')}/${String(priority).padStart(16, '0')}`, listenerArn: l.arn, priority,
  conditions: [{ Field: 'path-pattern', Values: [`/${priority}/*`] }], actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }], createdAt: 1000,
});

describeStoreContract('ELBv2', 'pier-store-elbv2-', (subject) => {
  const read = () => subject.store.read.elbv2;
  const web = lb('web');
  const api = lb('api');
  const group = tg('web-tg');

  test('load balancers and target groups round-trip, are found by ARN and name, listed by name; names are unique', async () => {
    await subject.store.transaction(async (tx) => {
      await tx.elbv2.insertLoadBalancer(web);
      await tx.elbv2.insertLoadBalancer(api);
      await tx.elbv2.insertTargetGroup(group);
    });
    assert.deepEqual(await read().getLoadBalancer(web.arn), web);
    assert.deepEqual(await read().getLoadBalancerByName('api'), api);
    assert.deepEqual((await read().listLoadBalancers()).map((x) => x.name), ['api', 'web']);
    assert.deepEqual(await read().getTargetGroupByName('web-tg'), group);
    await assert.rejects(subject.store.transaction((tx) => tx.elbv2.insertLoadBalancer({ ...web, arn: `${web.arn}0` })), ConflictError);
    await assert.rejects(subject.store.transaction((tx) => tx.elbv2.insertTargetGroup({ ...group, arn: `${group.arn}0` })), ConflictError);
    assert.equal((await read().listLoadBalancers()).length, 2, 'the refused insert changed nothing');
    const changed = { ...group, attributes: { 'deregistration_delay.timeout_seconds': '5' } };
    await subject.store.transaction((tx) => tx.elbv2.updateTargetGroup(changed));
    assert.deepEqual(await read().getTargetGroup(group.arn), changed);
  });

  test('listeners: one per port of a load balancer (insert and update); rules: one per priority of a listener', async () => {
    const l80 = listener(web, 80, group);
    const l81 = listener(web, 81, group);
    await subject.store.transaction(async (tx) => {
      await tx.elbv2.insertListener(l81);
      await tx.elbv2.insertListener(l80);
      await tx.elbv2.insertListener(listener(api, 80, group));
    });
    assert.deepEqual((await read().listListeners(web.arn)).map((l) => l.port), [80, 81]);
    assert.equal((await read().listListeners()).length, 3);
    await assert.rejects(subject.store.transaction((tx) => tx.elbv2.insertListener({ ...l80, arn: `${l80.arn}0` })), ConflictError);
    await assert.rejects(subject.store.transaction((tx) => tx.elbv2.updateListener({ ...l81, port: 80 })), ConflictError);
    assert.equal((await read().getListener(l81.arn))?.port, 81);
    await subject.store.transaction(async (tx) => {
      await tx.elbv2.insertRule(rule(l80, 20));
      await tx.elbv2.insertRule(rule(l80, 10));
      await tx.elbv2.insertRule(rule(l81, 10));
    });
    assert.deepEqual((await read().listRules(l80.arn)).map((r) => r.priority), [10, 20]);
    await assert.rejects(subject.store.transaction((tx) => tx.elbv2.insertRule({ ...rule(l80, 10), arn: `${rule(l80, 10).arn}0` })), ConflictError);
    await assert.rejects(subject.store.transaction((tx) => tx.elbv2.updateRule({ ...rule(l80, 20), priority: 10 })), ConflictError);
    await subject.store.transaction((tx) => tx.elbv2.updateRule({ ...rule(l80, 20), priority: 5 }));
    assert.deepEqual((await read().listRules(l80.arn)).map((r) => r.priority), [5, 10]);
  });

  test('targets: put replaces (group, id, port); listed by id and port; removed one by one', async () => {
    await subject.store.transaction(async (tx) => {
      await tx.elbv2.putTarget({ targetGroupArn: group.arn, id: '10.0.1.9', port: 80, registeredAt: 1 });
      await tx.elbv2.putTarget({ targetGroupArn: group.arn, id: '10.0.1.10', port: 8080, registeredAt: 1 });
      await tx.elbv2.putTarget({ targetGroupArn: group.arn, id: '10.0.1.9', port: 80, registeredAt: 1, drainingSince: 50 });
    });
    assert.deepEqual(await read().listTargets(group.arn), [
      { targetGroupArn: group.arn, id: '10.0.1.10', port: 8080, registeredAt: 1 },
      { targetGroupArn: group.arn, id: '10.0.1.9', port: 80, registeredAt: 1, drainingSince: 50 },
    ]);
    await subject.store.transaction((tx) => tx.elbv2.removeTarget(group.arn, '10.0.1.10', 8080));
    assert.deepEqual((await read().listTargets()).map((t) => t.id), ['10.0.1.9']);
  });

  test('tags: kept in the order added, overwritten in place, removed by key; health reports replace the host\'s last', async () => {
    await subject.store.transaction(async (tx) => {
      await tx.elbv2.putTags(web.arn, [{ key: 'b', value: '1' }, { key: 'a', value: '2' }]);
      await tx.elbv2.putTags(web.arn, [{ key: 'b', value: '3' }, { key: 'c', value: '' }]);
      await tx.elbv2.removeTags(web.arn, ['a', 'missing']);
      await tx.elbv2.putHealthReport({ hostId: 'h-1', reportedAt: 5, targets: [{ targetGroupArn: group.arn, id: '10.0.1.9', port: 80, state: 'unhealthy', reason: 'Target.Timeout' }] });
      await tx.elbv2.putHealthReport({ hostId: 'h-1', reportedAt: 6, targets: [{ targetGroupArn: group.arn, id: '10.0.1.9', port: 80, state: 'healthy' }] });
    });
    const tags = await read().tags([web.arn, api.arn]);
    assert.deepEqual(tags.get(web.arn), [{ key: 'b', value: '3' }, { key: 'c', value: '' }]);
    assert.deepEqual(tags.get(api.arn), []);
    assert.deepEqual(await read().healthReports(), [{ hostId: 'h-1', reportedAt: 6, targets: [{ targetGroupArn: group.arn, id: '10.0.1.9', port: 80, state: 'healthy' }] }]);
  });

  test('state survives a reopen; removing a load balancer takes its listeners, their rules and tags; a group its targets', async () => {
    await subject.reopen();
    assert.equal((await read().listListeners(web.arn)).length, 2);
    const l80 = listener(web, 80, group);
    await subject.store.transaction(async (tx) => {
      await tx.elbv2.putTags(l80.arn, [{ key: 'k', value: 'v' }]);
      await tx.elbv2.removeLoadBalancer(web.arn);
    });
    assert.equal(await read().getLoadBalancer(web.arn), undefined);
    assert.deepEqual((await read().listListeners()).map((l) => l.loadBalancerArn), [api.arn]);
    assert.deepEqual((await read().listRules()).length, 0);
    assert.deepEqual((await read().tags([web.arn, l80.arn])).get(l80.arn), []);
    await subject.store.transaction((tx) => tx.elbv2.removeTargetGroup(group.arn));
    assert.deepEqual(await read().listTargets(), []);
  });

  test('reset clears every ELBv2 table', async () => {
    await subject.store.transaction((tx) => tx.elbv2.insertTargetGroup(tg('other')));
    await subject.store.reset();
    assert.deepEqual([await read().listLoadBalancers(), await read().listTargetGroups(), await read().listListeners(), await read().healthReports()], [[], [], [], []]);
  });
});
