/**
 * The store's behaviour suite for EC2 networking: VPCs, subnets, security groups and rules, EC2
 * tags, and IPAM (network interfaces with addresses) through allocateEni/releaseEni, the entry
 * points the RunTask path uses. Every store implementation must pass it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIpv4, parseCidr, usableRange } from '../../src/ec2/cidr.js';
import { allocateEni, releaseEni, type AllocateEniResult, type EniAllocation, type EniContext } from '../../src/ec2/network-interfaces.js';
import { ManualClock } from '../../src/lib/clock.js';
import { SequentialIds } from '../../src/lib/ids.js';
import { ConflictError, type Repos, type Store, type SubnetRecord } from '../../src/store/store.js';
import { describeStoreContract } from '../helpers/store-contract.js';

const cp: EniContext = { ids: new SequentialIds(), clock: new ManualClock(), scope: { partition: 'aws', region: 'us-east-1', accountId: '123456789012' } };

function subnet(id: string, vpcId: string, cidrText: string): SubnetRecord {
  const range = usableRange(parseCidr(cidrText)!);
  return {
    id, vpcId, cidrBlock: cidrText, availabilityZone: 'us-east-1a', defaultForAz: false, mapPublicIpOnLaunch: false,
    firstAddress: range.first, lastAddress: range.last, createdAt: 1,
  };
}

async function network(tx: Repos, n: string, cidr: string, subnetCidr: string): Promise<{ vpcId: string; subnetId: string; groupId: string }> {
  const vpcId = `vpc-${n}`;
  await tx.vpcs.insert({ id: vpcId, cidrBlock: cidr, isDefault: false, createdAt: 1 });
  await tx.subnets.insert(subnet(`subnet-${n}`, vpcId, subnetCidr));
  await tx.securityGroups.insert({ id: `sg-${n}`, vpcId, name: 'default', description: 'default VPC security group', createdAt: 1 });
  return { vpcId, subnetId: `subnet-${n}`, groupId: `sg-${n}` };
}

const allocate = (store: Store, subnetId: string, securityGroupIds: string[] = [], taskArn = 'arn:aws:ecs:us-east-1:123456789012:task/c/t') =>
  store.transaction((tx) => allocateEni(tx, { subnetId, securityGroupIds, taskArn, description: 'test' }, cp));

function ok(r: AllocateEniResult) {
  assert.ok(r.ok, `allocation failed: ${r.ok ? '' : `${r.reason}: ${r.message}`}`);
  return r.eni;
}

describeStoreContract('EC2 networking', 'pier-store-ec2-', (subject) => {
  test('VPCs, subnets and security groups round-trip; one default VPC; group names unique per VPC', async () => {
    await subject.store.transaction(async (tx) => {
      await tx.vpcs.insert({ id: 'vpc-d', cidrBlock: '172.31.0.0/16', isDefault: true, createdAt: 5 });
      await tx.subnets.insert(subnet('subnet-d1', 'vpc-d', '172.31.0.0/20'));
      await tx.securityGroups.insert({ id: 'sg-d', vpcId: 'vpc-d', name: 'default', description: 'd', createdAt: 5 });
    });
    assert.deepEqual(await subject.store.read.vpcs.getDefault(), { id: 'vpc-d', cidrBlock: '172.31.0.0/16', isDefault: true, createdAt: 5 });
    assert.equal((await subject.store.read.subnets.get('subnet-d1'))?.cidrBlock, '172.31.0.0/20');
    assert.deepEqual((await subject.store.read.subnets.list({ vpcId: 'vpc-d' })).map((s) => s.id), ['subnet-d1']);
    assert.equal((await subject.store.read.securityGroups.getByName('vpc-d', 'default'))?.id, 'sg-d');
    await assert.rejects(subject.store.transaction((tx) => tx.vpcs.insert({ id: 'vpc-d2', cidrBlock: '10.0.0.0/16', isDefault: true, createdAt: 6 })));
    await assert.rejects(
      subject.store.transaction((tx) => tx.securityGroups.insert({ id: 'sg-d2', vpcId: 'vpc-d', name: 'default', description: 'x', createdAt: 6 })),
      ConflictError);
    assert.equal(await subject.store.read.vpcs.get('vpc-d2'), undefined);
  });

  test('rules are listed per group, found by reference, and go with their group', async () => {
    await subject.store.transaction(async (tx) => {
      await tx.securityGroups.insert({ id: 'sg-web', vpcId: 'vpc-d', name: 'web', description: 'w', createdAt: 6 });
      await tx.securityGroups.insertRule({ id: 'sgr-1', groupId: 'sg-web', isEgress: false, ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' });
      await tx.securityGroups.insertRule({ id: 'sgr-2', groupId: 'sg-d', isEgress: false, ipProtocol: '-1', referencedGroupId: 'sg-web', description: 'from web' });
    });
    assert.deepEqual(await subject.store.read.securityGroups.rules(['sg-web']),
      [{ id: 'sgr-1', groupId: 'sg-web', isEgress: false, ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' }]);
    assert.deepEqual(await subject.store.read.securityGroups.referencedBy('sg-web'), ['sg-d']);
    await subject.store.transaction(async (tx) => {
      await tx.securityGroups.removeRule('sgr-2');
      await tx.securityGroups.remove('sg-web');
    });
    assert.deepEqual(await subject.store.read.securityGroups.rules(['sg-web', 'sg-d']), []);
    assert.equal(await subject.store.read.securityGroups.get('sg-web'), undefined);
  });

  test('EC2 tags: put overwrites, remove by key or key and value, removeAll, list', async () => {
    await subject.store.transaction(async (tx) => {
      await tx.ec2Tags.put('vpc-d', [{ key: 'Name', value: 'a' }, { key: 'team', value: 'core' }]);
      await tx.ec2Tags.put('vpc-d', [{ key: 'Name', value: 'b' }]);
      await tx.ec2Tags.put('subnet-d1', [{ key: 'tier', value: 'public' }]);
    });
    assert.deepEqual((await subject.store.read.ec2Tags.getMany(['vpc-d', 'sg-none'])).get('vpc-d'), [{ key: 'Name', value: 'b' }, { key: 'team', value: 'core' }]);
    await subject.store.transaction((tx) => tx.ec2Tags.remove('vpc-d', [{ key: 'Name', value: 'not-b' }, { key: 'team' }]));
    assert.deepEqual(await subject.store.read.ec2Tags.list(), [
      { resourceId: 'subnet-d1', key: 'tier', value: 'public' }, { resourceId: 'vpc-d', key: 'Name', value: 'b' },
    ]);
    await subject.store.transaction((tx) => tx.ec2Tags.removeAll('vpc-d'));
    assert.deepEqual((await subject.store.read.ec2Tags.getMany(['vpc-d'])).get('vpc-d'), []);
  });

  test('IPAM: a /28 hands out its 11 usable addresses lowest first, then fails cleanly, and recovers after a release', async () => {
    const n = await subject.store.transaction((tx) => network(tx, 'small', '10.9.0.0/16', '10.9.0.0/28'));
    const enis: EniAllocation[] = [];
    for (let i = 0; i < 11; i++) enis.push(ok(await allocate(subject.store, n.subnetId)));
    assert.deepEqual(enis.map((e) => e.privateIpAddress), Array.from({ length: 11 }, (_, i) => `10.9.0.${i + 4}`));
    assert.equal(enis[0]!.privateDnsName, 'ip-10-9-0-4.us-east-1.compute.internal');
    assert.match(enis[0]!.macAddress, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    assert.equal(parseInt(enis[0]!.macAddress.slice(0, 2), 16) & 3, 2, 'locally administered unicast MAC');
    assert.deepEqual(enis[0]!.securityGroupIds, [n.groupId], 'no groups given: the VPC default group');
    assert.equal((await subject.store.read.subnets.allocatedCounts()).get(n.subnetId), 11);

    const full = await allocate(subject.store, n.subnetId);
    assert.equal(full.ok, false);
    assert.equal(!full.ok && full.reason, 'SubnetFull');
    assert.match(!full.ok ? full.message : '', /not enough free addresses in subnet 'subnet-small'/);
    assert.equal(await subject.store.read.networkInterfaces.countInSubnet(n.subnetId), 11, 'a failed allocation leaves nothing behind');

    assert.equal(await subject.store.transaction((tx) => releaseEni(tx, enis[3]!.networkInterfaceId)), true);
    assert.equal(await subject.store.transaction((tx) => releaseEni(tx, enis[3]!.networkInterfaceId)), false, 'release is idempotent');
    assert.equal(ok(await allocate(subject.store, n.subnetId)).privateIpAddress, '10.9.0.7', 'the freed address is the lowest free one');
    assert.equal((await allocate(subject.store, n.subnetId)).ok, false);
  });

  test('IPAM: 50 concurrent allocations never share an address', async () => {
    const n = await subject.store.transaction((tx) => network(tx, 'busy', '10.8.0.0/16', '10.8.0.0/24'));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => allocate(subject.store, n.subnetId, [n.groupId], `task-${i}`)));
    const ips = results.map((r) => ok(r).privateIpAddress);
    assert.equal(new Set(ips).size, 50);
    const range = usableRange(parseCidr('10.8.0.0/24')!);
    assert.deepEqual([...ips].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })),
      Array.from({ length: 50 }, (_, i) => formatIpv4(range.first + i)));
    const stored = await subject.store.read.networkInterfaces.list();
    assert.equal(stored.filter((e) => e.subnetId === n.subnetId).length, 50);
    assert.equal(new Set(results.map((r) => ok(r).networkInterfaceId)).size, 50);
  });

  test('IPAM: unknown subnet or group, or a group of another VPC, is a typed failure that allocates nothing', async () => {
    const other = await subject.store.transaction((tx) => network(tx, 'other', '10.7.0.0/16', '10.7.0.0/24'));
    const missingSubnet = await allocate(subject.store, 'subnet-nope');
    assert.equal(!missingSubnet.ok && missingSubnet.reason, 'SubnetNotFound');
    const missingGroup = await allocate(subject.store, other.subnetId, ['sg-nope']);
    assert.equal(!missingGroup.ok && missingGroup.reason, 'SecurityGroupNotFound');
    const foreign = await allocate(subject.store, other.subnetId, ['sg-busy']);
    assert.equal(!foreign.ok && foreign.reason, 'SecurityGroupInOtherVpc');
    assert.equal(await subject.store.read.networkInterfaces.countInSubnet(other.subnetId), 0);
  });

  test('an interface keeps its groups in use; release frees them', async () => {
    const eni = ok(await allocate(subject.store, 'subnet-other', ['sg-other']));
    assert.equal(await subject.store.read.networkInterfaces.groupInUse('sg-other'), true);
    const stored = await subject.store.read.networkInterfaces.get(eni.networkInterfaceId);
    assert.equal(stored?.taskArn, 'arn:aws:ecs:us-east-1:123456789012:task/c/t');
    assert.equal(formatIpv4(stored!.privateIpAddress), eni.privateIpAddress);
    await subject.store.transaction((tx) => releaseEni(tx, eni.networkInterfaceId));
    assert.equal(await subject.store.read.networkInterfaces.groupInUse('sg-other'), false);
  });

  test('addressesInGroups lists each group\'s member addresses, lowest first; released interfaces leave', async () => {
    await subject.store.transaction(async (tx) => {
      await network(tx, 'mem', '10.77.0.0/16', '10.77.0.0/24');
      await tx.securityGroups.insert({ id: 'sg-mem2', vpcId: 'vpc-mem', name: 'second', description: 'second', createdAt: 1 });
    });
    const a = ok(await allocate(subject.store, 'subnet-mem', ['sg-mem']));
    const b = ok(await allocate(subject.store, 'subnet-mem', ['sg-mem', 'sg-mem2']));
    const ip = (s: string): number => parseCidr(`${s}/32`)!.network;
    assert.deepEqual(await subject.store.read.networkInterfaces.addressesInGroups(['sg-mem2', 'sg-mem', 'sg-none']),
      new Map([['sg-mem', [ip(a.privateIpAddress), ip(b.privateIpAddress)]], ['sg-mem2', [ip(b.privateIpAddress)]]]));
    assert.deepEqual(await subject.store.read.networkInterfaces.addressesInGroups([]), new Map());
    await subject.store.transaction((tx) => releaseEni(tx, b.networkInterfaceId));
    assert.deepEqual(await subject.store.read.networkInterfaces.addressesInGroups(['sg-mem', 'sg-mem2']), new Map([['sg-mem', [ip(a.privateIpAddress)]]]));
    await subject.store.transaction((tx) => releaseEni(tx, a.networkInterfaceId));
  });

  test('state survives reopening; reset removes every VPC resource', async () => {
    await subject.reopen();
    assert.equal((await subject.store.read.vpcs.getDefault())?.id, 'vpc-d');
    assert.equal((await subject.store.read.networkInterfaces.list()).length, 61);
    await subject.store.reset();
    assert.deepEqual(await subject.store.read.vpcs.list(), []);
    assert.deepEqual(await subject.store.read.subnets.list(), []);
    assert.deepEqual(await subject.store.read.securityGroups.list(), []);
    assert.deepEqual(await subject.store.read.networkInterfaces.list(), []);
    assert.deepEqual(await subject.store.read.ec2Tags.list(), []);
  });
});
