import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import type { EniAssignment } from '../../protocol/agent.js';
import { renderRulesetChange } from './nft-ruleset-change.js';
import { buildRuleset, renderRuleset as renderRulesetOf, ruleMatch, RulesetInputError, type RulesetInput } from './nft-ruleset.js';

const renderRuleset = (i: RulesetInput): string => renderRulesetOf(buildRuleset(i));
const change = (from: RulesetInput, to: RulesetInput): string | undefined => renderRulesetChange(buildRuleset(from), buildRuleset(to));
const nftCheck = (script: string): void => {
  const r = spawnSync('nft', ['-c', '-f', '-'], { input: script, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stderr}\n${script}`);
};

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
    nftCheck(script);
    assert.match(script, /set sg_1 \{ type ipv4_addr; elements = \{ 10\.9\.1\.10, 10\.9\.1\.11 \}; \}/);
    assert.match(script, /set public \{ type ipv4_addr; elements = \{ 10\.9\.1\.11 \}; \}/);
    assert.match(script, /set same_bridge \{ type ifname \. ifname; elements = \{ "punitv000001" \. "punitv000001" \}; \}/);
    assert.match(script, /chain in_b2 \{\n {4}ip saddr @sg_1 accept\n {4}ip saddr 192\.0\.2\.0\/24 tcp dport 443 accept\n {4}drop\n/);
    assert.match(script, /chain out_a1 \{\n {4}return\n {4}drop\n/);
    assert.match(script, /map egress \{ type ipv4_addr : verdict; elements = \{ 10\.9\.1\.10 : jump out_a1, 10\.9\.1\.11 : jump out_b2 \}; \}/);
    assert.match(script, /chain port_a1 \{\n {4}ether saddr != 02:00:00:00:00:0a drop\n/, 'MACs are compared in lower case');
    assert.match(script, /map ports \{ type ifname : verdict; elements = \{ "punite0000a1" : jump port_a1, "punite0000b2" : jump port_b2 \}; \}/);
    assert.match(script, /dnat ip to 169\.254\.170\.2:40123/);
    assert.doesNotMatch(script, /tcp dport 4600/, 'no API without an API endpoint');
  });

  test('Pier\'s API at 169.254.170.2:<port>: DNATed and accepted as a DNATed flow; routed and masqueraded only off loopback', () => {
    const local = renderRuleset({ ...input, api: { address: '127.0.0.1', port: 4600 } });
    nftCheck(local);
    assert.match(local, /iifname @bridges ip daddr 169\.254\.170\.2 tcp dport 4600 dnat ip to 127\.0\.0\.1:4600\n/);
    assert.match(local, /ct original ip daddr 169\.254\.170\.2 ip daddr 127\.0\.0\.1 tcp dport 4600 accept\n {4}ip daddr 127\.0\.0\.0\/8 drop\n/,
      'accepted on input before the loopback drop');
    assert.doesNotMatch(local, /masquerade\n.*masquerade/s, 'loopback: only the public tasks\' masquerade');
    const remote = renderRuleset({ ...input, api: { address: '10.77.0.5', port: 4600 } });
    nftCheck(remote);
    assert.match(remote, /chain forward \{[^}]*ct original ip daddr 169\.254\.170\.2 ip daddr 10\.77\.0\.5 tcp dport 4600 accept\n {4}ip saddr vmap @egress/,
      'forwarded before the security groups (like AWS\'s link-local services)');
    assert.match(remote, /ct original ip daddr 169\.254\.170\.2 ip daddr 10\.77\.0\.5 tcp dport 4600 masquerade/);
    assert.throws(() => renderRuleset({ ...input, api: { address: '127.0.0.1', port: 80 } }), RulesetInputError, 'port 80 is the metadata endpoint\'s');
    assert.throws(() => renderRuleset({ ...input, api: { address: 'localhost', port: 4600 } }), RulesetInputError);
  });

  test('a change loads only what differs: a task attached or removed, members, rules; the same input changes nothing', () => {
    const third = { taskId: 'c3', hostIf: 'punite0000c3', bridge: 'punitv000001', eni: eni('10.9.1.12', '02:00:00:00:00:0c', ['sg-2']) };
    assert.equal(change(input, input), '');
    const attach = change(input, { ...input, ports: [...input.ports, third] })!;
    assert.doesNotMatch(attach, /table|_a1|_b2/, 'no reload, nothing of the other tasks');
    assert.match(attach, /^add chain inet pier_unit out_c3\nadd rule inet pier_unit out_c3 drop\nadd chain inet pier_unit in_c3\n/);
    assert.match(attach, /add element inet pier_unit egress \{ 10\.9\.1\.12 : jump out_c3 \}/);
    assert.match(attach, /add element bridge pier_unit ports \{ "punite0000c3" : jump port_c3 \}\n/);
    const detach = change({ ...input, ports: [...input.ports, third] }, input)!;
    assert.match(detach, /^delete element inet pier_unit egress \{ 10\.9\.1\.12 \}\ndelete element inet pier_unit ingress \{ 10\.9\.1\.12 \}\n/, 'elements before the chains they jump to');
    assert.match(detach, /delete chain inet pier_unit out_c3\ndelete chain inet pier_unit in_c3\ndelete chain bridge pier_unit port_c3\n$/);
    const members = change(input, { ...input, policy: { ...input.policy, members: { 'sg-1': ['10.9.1.10', '10.9.1.99'] } } });
    assert.equal(members, 'delete element inet pier_unit sg_1 { 10.9.1.11 }\nadd element inet pier_unit sg_1 { 10.9.1.99 }\n');
    const [g1, g2] = input.policy.securityGroups;
    const rules = change(input, { ...input, policy: { ...input.policy, securityGroups: [g1!, { ...g2!, ingress: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.0.0/8' }] }] } });
    assert.equal(rules, 'flush chain inet pier_unit in_b2\nadd rule inet pier_unit in_b2 ip saddr @sg_1 accept\nadd rule inet pier_unit in_b2 ip saddr 10.0.0.0/8 tcp dport 22 accept\n'
      + 'add rule inet pier_unit in_b2 drop\n', 'only the chain of the task in the changed group');
  });

  test('a group set comes before the first rule naming it and goes after the last; a reused address is re-pointed', () => {
    const solo = { ...input, ports: [input.ports[0]!], policy: { ...input.policy, securityGroups: [{ groupId: 'sg-1', ingress: [], egress: [{ protocol: '-1', cidr: '0.0.0.0/0' }] }] } };
    const named = change(solo, input)!;
    assert.ok(named.indexOf('add set inet pier_unit sg_1 { type ipv4_addr; }') < named.indexOf('@sg_1'), named);
    const unnamed = change(input, solo)!;
    assert.ok(unnamed.trimEnd().endsWith('delete set inet pier_unit sg_1'), unnamed);
    const reused = change(input, { ...input, ports: [input.ports[0]!, { ...input.ports[1]!, taskId: 'd4', hostIf: 'punite0000d4' }] })!;
    assert.ok(reused.indexOf('delete element inet pier_unit egress { 10.9.1.11 }') < reused.indexOf('add element inet pier_unit egress { 10.9.1.11 : jump out_d4 }'), reused);
  });

  test('a whole reload when the change cannot be incremental: other endpoints, the tables appearing or going', () => {
    assert.equal(change(input, { ...input, metadata: { address: '127.0.0.1', port: 1 } }), undefined);
    assert.equal(change(input, { ...input, api: { address: '127.0.0.1', port: 4600 } }), undefined);
    assert.equal(change(input, { ...input, bridges: [], ports: [] }), undefined);
    assert.equal(change({ ...input, bridges: [], ports: [] }, input), undefined);
    assert.throws(() => buildRuleset({ ...input, ports: [input.ports[0]!, { ...input.ports[1]!, eni: eni('10.9.1.10', '02:00:00:00:00:0b', []) }] }), RulesetInputError, 'two tasks, one address');
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
