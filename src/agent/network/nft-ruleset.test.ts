import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import type { EniAssignment } from '../../protocol/agent.js';
import { renderRuleset, ruleMatch, RulesetInputError, type RulesetInput } from './nft-ruleset.js';

const eni = (ip: string, mac: string, groups: string[], assignPublicIp = false): EniAssignment => ({
  networkInterfaceId: 'eni-0a', vpcId: 'vpc-0a', vpcCidr: '10.9.0.0/16', subnetId: 'subnet-0a', subnetCidr: '10.9.1.0/24',
  privateIpv4Address: ip, macAddress: mac, securityGroupIds: groups, assignPublicIp,
});

const input: RulesetInput = {
  table: 'pier_unit',
  bridges: ['punitv000001'],
  metadata: { address: '169.254.170.2', port: 40123 },
  ports: [
    { taskId: 'a1', hostIf: 'punite0000a1', bridge: 'punitv000001', eni: eni('10.9.1.10', '02:00:00:00:00:0A', ['sg-1']) },
    { taskId: 'b2', hostIf: 'punite0000b2', bridge: 'punitv000001', eni: eni('10.9.1.11', '02:00:00:00:00:0b', ['sg-1', 'sg-2'], true) },
  ],
  policy: {
    securityGroups: [
      { groupId: 'sg-1', ingress: [{ protocol: '-1', groupId: 'sg-1' }], egress: [{ protocol: '-1', cidr: '0.0.0.0/0' }] },
      { groupId: 'sg-2', ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '192.0.2.0/24' }], egress: [] },
    ],
    members: { 'sg-1': ['10.9.1.11', '10.9.1.10', '10.9.1.10'] },
  },
};

describe('nftables ruleset', () => {
  test('rule matches: protocols, ports, ICMP type and code, CIDR and group peers', () => {
    assert.equal(ruleMatch({ protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '10.0.0.0/8' }, 'ingress'), 'ip saddr 10.0.0.0/8 tcp dport 80');
    assert.equal(ruleMatch({ protocol: 'udp', fromPort: 1000, toPort: 2000, cidr: '0.0.0.0/0' }, 'egress'), 'udp dport 1000-2000');
    assert.equal(ruleMatch({ protocol: 'tcp', fromPort: 0, toPort: 65535, groupId: 'sg-0f' }, 'egress'), 'ip daddr @sg_0f meta l4proto tcp');
    assert.equal(ruleMatch({ protocol: 'icmp', fromPort: 8, toPort: -1, cidr: '0.0.0.0/0' }, 'ingress'), 'icmp type 8');
    assert.equal(ruleMatch({ protocol: 'icmp', fromPort: 3, toPort: 4, cidr: '0.0.0.0/0' }, 'ingress'), 'icmp type 3 icmp code 4');
    assert.equal(ruleMatch({ protocol: 'icmp', fromPort: -1, toPort: -1, cidr: '0.0.0.0/0' }, 'ingress'), 'meta l4proto icmp');
    assert.equal(ruleMatch({ protocol: '-1', cidr: '0.0.0.0/0' }, 'ingress'), '');
    assert.equal(ruleMatch({ protocol: '47', cidr: '10.1.0.0/16' }, 'ingress'), 'ip saddr 10.1.0.0/16 meta l4proto 47');
    assert.equal(ruleMatch({ protocol: 'tcp', fromPort: 1, toPort: 2 }, 'ingress'), undefined, 'no peer: matches nothing');
  });

  test('the ruleset loads (nft -c), keys groups by member addresses and marks public tasks', () => {
    const script = renderRuleset(input);
    const check = spawnSync('nft', ['-c', '-f', '-'], { input: script, encoding: 'utf8' });
    assert.equal(check.status, 0, `${check.stderr}\n${script}`);
    assert.match(script, /set sg_1 \{ type ipv4_addr; elements = \{ 10\.9\.1\.10, 10\.9\.1\.11 \}; \}/);
    assert.match(script, /set public \{ type ipv4_addr; elements = \{ 10\.9\.1\.11 \}; \}/);
    assert.match(script, /chain in_b2 \{\n {4}ip saddr @sg_1 accept\n {4}ip saddr 192\.0\.2\.0\/24 tcp dport 443 accept\n {4}drop\n/);
    assert.match(script, /chain out_a1 \{\n {4}return\n {4}drop\n/);
    assert.match(script, /iifname "punite0000a1" ether saddr != 02:00:00:00:00:0a drop/, 'MACs are compared in lower case');
    assert.match(script, /dnat ip to 169\.254\.170\.2:40123/);
  });

  test('with nothing attached only the tables\' removal is left', () => {
    assert.equal(renderRuleset({ ...input, bridges: [], ports: [] }),
      'table inet pier_unit {}\ndelete table inet pier_unit\ntable bridge pier_unit {}\ndelete table bridge pier_unit\n');
  });

  test('anything that is not a well-formed name or address is refused, never spliced into the script', () => {
    const bad: [string, RulesetInput][] = [
      ['table', { ...input, table: 'x; flush ruleset' }],
      ['bridge', { ...input, bridges: ['br"; flush ruleset'] }],
      ['address', { ...input, ports: [{ ...input.ports[0]!, eni: eni('10.9.1.300', '02:00:00:00:00:0a', ['sg-1']) }] }],
      ['mac', { ...input, ports: [{ ...input.ports[0]!, eni: eni('10.9.1.10', 'zz', ['sg-1']) }] }],
      ['member', { ...input, policy: { ...input.policy, members: { 'sg-1': ['1.2.3.4 }; flush ruleset'] } } }],
      ['cidr', { ...input, policy: { ...input.policy, securityGroups: [{ groupId: 'sg-1', ingress: [{ protocol: '-1', cidr: '10.0.0.0/33' }], egress: [] }] } }],
      ['group', { ...input, policy: { ...input.policy, securityGroups: [{ groupId: 'sg-1', ingress: [{ protocol: '-1', groupId: 'sg-x y' }], egress: [] }] } }],
      ['ports', { ...input, policy: { ...input.policy, securityGroups: [{ groupId: 'sg-1', ingress: [{ protocol: 'tcp', fromPort: 90, toPort: 80, cidr: '10.0.0.0/8' }], egress: [] }] } }],
      ['protocol', { ...input, policy: { ...input.policy, securityGroups: [{ groupId: 'sg-1', ingress: [{ protocol: 'tcp; drop', cidr: '10.0.0.0/8' }], egress: [] }] } }],
    ];
    for (const [what, i] of bad) assert.throws(() => renderRuleset(i), RulesetInputError, what);
  });
});
