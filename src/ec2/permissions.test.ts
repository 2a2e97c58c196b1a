import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SecurityGroupRuleRecord } from '../store/store.js';
import { Ec2Error } from './errors.js';
import { describeRule, normaliseProtocol, parsePermissions, permissionsToWire, ruleKey } from './permissions.js';

const code = (c: string) => (e: unknown) => e instanceof Ec2Error && e.code === c;

test('protocols are normalised the way EC2 shows them', () => {
  assert.deepEqual(['TCP', '6', 'udp', '17', 'icmp', '1', '-1', 'all', '47', '047'].map(normaliseProtocol),
    ['tcp', 'tcp', 'udp', 'udp', 'icmp', 'icmp', '-1', '-1', '47', '47']);
  assert.throws(() => normaliseProtocol('gre'), code('InvalidParameterValue'));
  assert.throws(() => normaliseProtocol('256'), code('InvalidParameterValue'));
  assert.throws(() => normaliseProtocol(undefined), code('MissingParameter'));
});

test('IpPermissions expand to one rule per source; all-protocol rules carry no ports', () => {
  assert.deepEqual(parsePermissions({ IpPermissions: [
    { IpProtocol: 'tcp', FromPort: 80, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'lan' }, { CidrIp: '0.0.0.0/0' }], UserIdGroupPairs: [{ GroupId: 'sg-1' }] },
    { IpProtocol: '-1', FromPort: 5, ToPort: 6, UserIdGroupPairs: [{ GroupName: 'web' }] },
  ] }), [
    { ipProtocol: 'tcp', fromPort: 80, toPort: 443, cidrIpv4: '10.0.0.0/8', description: 'lan' },
    { ipProtocol: 'tcp', fromPort: 80, toPort: 443, cidrIpv4: '0.0.0.0/0' },
    { ipProtocol: 'tcp', fromPort: 80, toPort: 443, source: { groupId: 'sg-1' } },
    { ipProtocol: '-1', source: { groupName: 'web' } },
  ]);
});

test('the older flat members (CidrIp, IpProtocol, FromPort, ToPort, SourceSecurityGroupName) still work', () => {
  assert.deepEqual(parsePermissions({ IpProtocol: 'udp', FromPort: 53, ToPort: 53, CidrIp: '10.0.0.2/32' }),
    [{ ipProtocol: 'udp', fromPort: 53, toPort: 53, cidrIpv4: '10.0.0.2/32' }]);
  assert.deepEqual(parsePermissions({ SourceSecurityGroupName: 'web' }), [{ ipProtocol: '-1', source: { groupName: 'web' } }]);
});

test('ports, ICMP types and CIDRs are checked', () => {
  const one = (p: object) => () => parsePermissions({ IpPermissions: [{ IpRanges: [{ CidrIp: '0.0.0.0/0' }], ...p }] });
  assert.throws(one({ IpProtocol: 'tcp' }), code('InvalidParameterValue'));
  assert.throws(one({ IpProtocol: 'tcp', FromPort: 10, ToPort: 9 }), code('InvalidParameterValue'));
  assert.throws(one({ IpProtocol: 'udp', FromPort: 0, ToPort: 65536 }), code('InvalidParameterValue'));
  assert.throws(one({ IpProtocol: 'icmp', FromPort: -1, ToPort: 3 }), code('InvalidParameterValue'));
  assert.deepEqual(one({ IpProtocol: 'icmp', FromPort: 8, ToPort: -1 })(), [{ ipProtocol: 'icmp', fromPort: 8, toPort: -1, cidrIpv4: '0.0.0.0/0' }]);
  assert.throws(() => parsePermissions({ IpPermissions: [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, IpRanges: [{ CidrIp: '10.0.0.1/8' }] }] }), code('InvalidParameterValue'));
  assert.throws(() => parsePermissions({ IpPermissions: [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1 }] }), code('MissingParameter'));
  assert.throws(() => parsePermissions({ IpPermissions: [{ IpProtocol: '-1', Ipv6Ranges: [{}] }] }), code('InvalidParameterValue'));
  assert.throws(() => parsePermissions({}), code('MissingParameter'));
});

test('rules group back into IpPermissions by protocol and ports; descriptions do not make rules different', () => {
  const rules: SecurityGroupRuleRecord[] = [
    { id: 'sgr-1', groupId: 'sg-a', isEgress: false, ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '10.0.0.0/8' },
    { id: 'sgr-2', groupId: 'sg-a', isEgress: false, ipProtocol: '-1', referencedGroupId: 'sg-a' },
    { id: 'sgr-3', groupId: 'sg-a', isEgress: false, ipProtocol: 'tcp', fromPort: 22, toPort: 22, referencedGroupId: 'sg-b', description: 'b' },
  ];
  assert.deepEqual(permissionsToWire(rules, '123456789012'), [
    { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: 'sg-b', UserId: '123456789012', Description: 'b' }] },
    { IpProtocol: '-1', IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: 'sg-a', UserId: '123456789012' }] },
  ]);
  const described: SecurityGroupRuleRecord = { ...rules[0]!, description: 'other' };
  assert.equal(ruleKey(rules[0]!), ruleKey(described));
  assert.notEqual(ruleKey(rules[0]!), ruleKey({ ...rules[0]!, isEgress: true }));
  assert.equal(describeRule(rules[0]!), 'peer: 10.0.0.0/8, TCP, from port: 22, to port: 22, ALLOW');
  assert.equal(describeRule(rules[1]!), 'peer: sg-a, ALL, ALLOW');
});
