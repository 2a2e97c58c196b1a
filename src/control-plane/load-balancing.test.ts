/**
 * The control plane's side of load balancing against a real SQLite store and a manual clock: the
 * assignment hosts read, its long poll, draining and the housekeeping pass that ends it, and the
 * calls the service scheduler makes (src/elbv2/targets.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureDefaultVpc } from '../ec2/default-vpc.js';
import { createListener } from '../elbv2/listeners.js';
import { createLoadBalancer } from '../elbv2/load-balancers.js';
import { createTargetGroup, modifyTargetGroupAttributes } from '../elbv2/target-groups.js';
import {
  deregisterTaskTargets, registerTaskTargets, removeDrainedTargets, targetGroupInfo, targetHealthState,
} from '../elbv2/targets.js';
import { SessionAuthority } from '../iam/session-credentials.js';
import { ManualClock } from '../lib/clock.js';
import { SequentialIds } from '../lib/ids.js';
import { silentLogger } from '../lib/logger.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { ControlPlane } from './context.js';
import { HostSignals } from './host-signals.js';
import { loadBalancingAssignment } from './load-balancing.js';

let dir = '';
let cp: ControlPlane;
const clock = new ManualClock(1_800_000_000_000);
let tg = '';
let ip = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pier-load-balancing-'));
  cp = {
    store: new SqliteStore(join(dir, 'pier.db')), clock, ids: new SequentialIds(), scope: { partition: 'aws', region: 'us-east-1', accountId: '123456789012' },
    log: silentLogger, hostSignals: new HostSignals(), sessions: new SessionAuthority(Buffer.alloc(32, 7)),
    config: {
      hostLostAfterMs: 30_000, heartbeatIntervalMs: 10_000, stoppedTaskRetentionMs: 3_600_000, availabilityZones: ['us-east-1a', 'us-east-1b'],
      startedAtMs: 0, defaultVpcCidr: '10.9.0.0/16', loadBalancerBindAddress: '127.0.0.2',
    },
  };
  const vpcId = await ensureDefaultVpc(cp);
  const subnets = (await cp.store.read.subnets.list({ vpcId })).map((s) => s.id);
  const lb = (await createLoadBalancer(cp, { Name: 'web', Subnets: subnets }))['LoadBalancers'] as { LoadBalancerArn: string }[];
  tg = ((await createTargetGroup(cp, { Name: 'web', TargetType: 'ip', Protocol: 'HTTP', Port: 8080, VpcId: vpcId }))['TargetGroups'] as { TargetGroupArn: string }[])[0]!.TargetGroupArn;
  await modifyTargetGroupAttributes(cp, { TargetGroupArn: tg, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }] });
  await createListener(cp, { LoadBalancerArn: lb[0]!.LoadBalancerArn, Protocol: 'HTTP', Port: 8000, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }] });
  ip = '10.9.0.10';
});
after(async () => {
  await cp.store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the scheduler\'s calls: the group\'s port and VPC; register in a transaction; health initial', async () => {
  const info = await targetGroupInfo(cp.store.read, tg);
  assert.deepEqual([info?.port, info?.deregistrationDelaySeconds], [8080, 30]);
  assert.equal(await targetGroupInfo(cp.store.read, `${tg}0`), undefined);
  await cp.store.transaction((tx) => registerTaskTargets(tx, tg, [{ id: ip }], clock.now()));
  assert.deepEqual(await targetHealthState(cp.store.read, tg, { id: ip }, clock.now()),
    { State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: 'Target registration is in progress' });
  await assert.rejects(cp.store.transaction((tx) => registerTaskTargets(tx, tg, [{ id: '10.10.0.1' }], clock.now())), { code: 'InvalidTarget' });
});

test('the assignment: listeners on the bind address, the group with its targets; a poll with the cursor waits for a change', async () => {
  const first = await loadBalancingAssignment(cp, undefined, 0);
  assert.deepEqual(first.loadBalancers.map((lb) => [lb.name, lb.bindAddress, lb.listeners.map((l) => [l.port, l.defaultAction])]),
    [['web', '127.0.0.2', [[8000, { type: 'forward', targetGroups: [{ targetGroupArn: tg, weight: 1 }] }]]]]);
  assert.deepEqual(first.targetGroups.map((g) => [g.port, g.deregistrationDelaySeconds, g.targets]), [[8080, 30, [{ id: ip, port: 8080 }]]]);
  const unchanged = await loadBalancingAssignment(cp, first.cursor, 50);
  assert.equal(unchanged.cursor, first.cursor, 'nothing changed: the poll ran to its deadline');

  const started = Date.now();
  const waiting = loadBalancingAssignment(cp, first.cursor, 10_000);
  await cp.store.transaction((tx) => deregisterTaskTargets(tx, tg, [{ id: ip }], clock.now()));
  cp.hostSignals.signal('load-balancing');
  const next = await waiting;
  assert.ok(Date.now() - started < 5000, 'the poll answered on the change');
  assert.deepEqual(next.targetGroups[0]!.targets, [{ id: ip, port: 8080, drainingSinceMs: clock.now() }]);
  assert.equal((await targetHealthState(cp.store.read, tg, { id: ip, port: 8080 }, clock.now()))?.State, 'draining');
});

test('draining ends after the delay: health and assignment drop the target at once, housekeeping removes its row', async () => {
  clock.advance(29_999);
  assert.equal(await removeDrainedTargets(cp), 0);
  assert.equal((await targetHealthState(cp.store.read, tg, { id: ip }, clock.now()))?.State, 'draining');
  clock.advance(1);
  assert.equal(await targetHealthState(cp.store.read, tg, { id: ip }, clock.now()), undefined);
  assert.deepEqual((await loadBalancingAssignment(cp, undefined, 0)).targetGroups[0]!.targets, []);
  assert.equal((await cp.store.read.elbv2.listTargets(tg)).length, 1, 'the row stays until housekeeping');
  assert.equal(await removeDrainedTargets(cp), 1);
  assert.deepEqual(await cp.store.read.elbv2.listTargets(tg), []);
});
