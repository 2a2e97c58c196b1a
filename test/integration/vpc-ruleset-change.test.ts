/**
 * Incremental ruleset changes against the kernel (as root): after loading the change from one
 * ruleset to the next, the kernel holds what loading the next one whole gives (same sets, maps,
 * elements, chains and rules; only handles and listing order may differ). The tables name bridges
 * that do not exist, so no packet ever meets their rules.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { renderRulesetChange } from '../../src/agent/network/nft-ruleset-change.js';
import { buildRuleset, renderRuleset, type PortOnBridge, type RulesetInput } from '../../src/agent/network/nft-ruleset.js';
import type { EniAssignment, NetworkPolicy } from '../../src/protocol/agent.js';

const inst = randomBytes(3).toString('hex');
const table = `pier_t${inst}`;
const BR1 = `p${inst}vzz001`;
const BR2 = `p${inst}vzz002`;

function nft(script: string): void {
  const r = spawnSync('nft', ['-f', '-'], { input: script, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stderr}\n${script}`);
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Both tables as JSON without handles, elements sorted, objects sorted (rules keep their order within a chain). */
function snapshot(): string[] {
  const out: string[] = [];
  for (const family of ['inet', 'bridge']) {
    const r = spawnSync('nft', ['-j', 'list', 'table', family, table], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    const strip = (v: Json): Json => {
      if (Array.isArray(v)) return v.map(strip);
      if (v === null || typeof v !== 'object') return v;
      const o: Record<string, Json> = {};
      for (const [k, x] of Object.entries(v)) {
        if (k === 'handle') continue;
        o[k] = k === 'elem' && Array.isArray(x) ? x.map(strip).map((e) => JSON.stringify(e)).sort().map((e) => JSON.parse(e) as Json) : strip(x);
      }
      return o;
    };
    const items = (JSON.parse(r.stdout) as { nftables: Record<string, Json>[] }).nftables.filter((i) => !('metainfo' in i)).map((i) => strip(i as Json));
    const rules = new Map<string, string[]>();
    for (const i of items) {
      const rule = (i as { rule?: { chain: string } }).rule;
      if (rule) rules.set(rule.chain, [...(rules.get(rule.chain) ?? []), JSON.stringify(i)]);
      else out.push(JSON.stringify(i));
    }
    for (const [chain, rs] of rules) out.push(`${family} ${chain}: ${rs.join('\n')}`);
  }
  return out.sort();
}

function eni(ip: string, groups: string[], assignPublicIp = false): EniAssignment {
  const last = Number(ip.split('.').at(-1));
  return {
    networkInterfaceId: `eni-${inst}${last}`, vpcId: 'vpc-0a', vpcCidr: '10.9.0.0/16', subnetId: 'subnet-0a', subnetCidr: '10.9.1.0/24',
    privateIpv4Address: ip, macAddress: `02:00:00:00:01:${last.toString(16).padStart(2, '0')}`, securityGroupIds: groups, assignPublicIp,
  };
}

const port = (task: string, bridge: string, e: EniAssignment): PortOnBridge => ({ taskId: task, hostIf: `p${inst}e${task}`, bridge, eni: e });

const policy: NetworkPolicy = {
  securityGroups: [
    { groupId: 'sg-a', ingress: [{ protocol: '-1', groupId: 'sg-a' }], egress: [{ protocol: '-1', cidr: '0.0.0.0/0' }] },
    { groupId: 'sg-b', ingress: [{ protocol: 'tcp', fromPort: 80, toPort: 80, groupId: 'sg-c' }], egress: [{ protocol: 'udp', fromPort: 53, toPort: 53, cidr: '10.0.0.0/8' }] },
    { groupId: 'sg-c', ingress: [], egress: [{ protocol: '-1', cidr: '0.0.0.0/0' }] },
  ],
  members: { 'sg-a': ['10.9.1.10', '10.9.1.11'], 'sg-c': ['10.9.1.30'] },
};

const base: RulesetInput = {
  table, bridges: [BR1], policy, metadata: { address: '127.0.0.1', port: 40123 }, api: { address: '127.0.0.1', port: 4600 },
  ports: [port('a1', BR1, eni('10.9.1.10', ['sg-a'])), port('a2', BR1, eni('10.9.1.11', ['sg-a'], true))],
};

/** Each step from the one before: the agent's own kinds of change. */
const steps: [string, RulesetInput][] = [
  ['a task attached', { ...base, ports: [...base.ports, port('b1', BR1, eni('10.9.1.20', ['sg-b']))] }],
  ['members changed', { ...base, ports: [...base.ports, port('b1', BR1, eni('10.9.1.20', ['sg-b']))], policy: { ...policy, members: { 'sg-a': ['10.9.1.10'], 'sg-c': ['10.9.1.30', '10.9.1.31'] } } }],
  ['a task in a second VPC', { ...base, bridges: [BR1, BR2], ports: [...base.ports, port('b1', BR1, eni('10.9.1.20', ['sg-b'])), port('c1', BR2, eni('10.9.2.5', ['sg-c'], true))] }],
  ['rules changed', {
    ...base, bridges: [BR1, BR2], ports: [...base.ports, port('b1', BR1, eni('10.9.1.20', ['sg-b'])), port('c1', BR2, eni('10.9.2.5', ['sg-c'], true))],
    policy: { ...policy, securityGroups: [policy.securityGroups[0]!, { ...policy.securityGroups[1]!, ingress: [{ protocol: 'icmp', fromPort: 8, toPort: -1, cidr: '10.9.0.0/16' }] }, policy.securityGroups[2]!] },
  }],
  ['tasks removed, the group set no rule names any more with them', { ...base, bridges: [BR1, BR2], ports: [base.ports[0]!, port('c1', BR2, eni('10.9.2.5', ['sg-c'], true))] }],
  ['an address reused by a new task, the second VPC gone', { ...base, ports: [base.ports[0]!, port('d1', BR1, eni('10.9.1.11', ['sg-b']))] }],
];

describe('incremental ruleset changes against the kernel', () => {
  after(() => {
    for (const family of ['inet', 'bridge']) spawnSync('nft', ['delete', 'table', family, table]);
  });

  test('each change leaves the kernel holding what loading the new ruleset whole does', () => {
    let current = buildRuleset(base);
    nft(renderRuleset(current));
    for (const [what, input] of steps) {
      const next = buildRuleset(input);
      const change = renderRulesetChange(current, next);
      assert.ok(change, `${what}: incremental`);
      assert.doesNotMatch(change, /table/, `${what}: no table reloaded`);
      nft(change);
      const incremental = snapshot();
      nft(renderRuleset(next));
      assert.deepEqual(incremental, snapshot(), what);
      current = next;
    }
  });

  test('a change the kernel cannot apply fails whole (the caller then reloads)', () => {
    const current = buildRuleset(base);
    nft(renderRuleset(current));
    nft(`flush map inet ${table} egress\n`); // someone else's hand on the agent's tables
    const before = snapshot();
    const change = renderRulesetChange(current, buildRuleset({ ...base, ports: [base.ports[1]!] }))!;
    const r = spawnSync('nft', ['-f', '-'], { input: change, encoding: 'utf8' });
    assert.notEqual(r.status, 0, 'the element to delete is not there');
    assert.deepEqual(snapshot(), before, 'nothing of the change was applied');
  });
});
