/**
 * Authorisation overhead benchmark (issue 8): latency of one API call (ECS ListClusters through
 * the AWS SDK, one client, one call at a time) made by an IAM user with 50 policies against the
 * same call made with the root keys (never evaluated), in the same run. Goal: ≤ 10 % added p50.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/authz.js [--calls 2000] [--rounds 4] [--json out.json]
 *
 * The user's 50 inline policies are written through Pier's store while the server is stopped:
 * IAM's quota (2,048 characters of inline policy per user, 10 attached) would not let one user
 * hold 50 through the API. They are built so every one is looked at: 49 grant or deny other
 * actions (with resource ARNs and conditions), and the Allow that matches comes last. Rounds
 * alternate the two keys call by call (each going first every other time), after an uncounted
 * warm-up each. Also reported: the evaluator
 * alone deciding that call against those 50 compiled policies, in this process.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { compilePolicy } from '../src/iam/evaluate/compile-policy.js';
import { decide, Decision } from '../src/iam/evaluate/evaluate.js';
import { requestContext } from '../src/iam/evaluate/request-context.js';
import { paths } from '../src/platform/data-dir.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { startPier, type PierProcess } from '../test/helpers/pier-process.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { fmtMs, markdownTable, percentile, SampleBuffer } from './lib/stats.js';

const { values: args } = parseArgs({ options: { calls: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '4' }, json: { type: 'string' } } });
const CALLS = Number(args.calls);
const ROUNDS = Number(args.rounds);
const log = (m: string): void => console.error(`[${new Date().toISOString().slice(11, 23)}] ${m}`);

/** Policy i of 50: the last allows ecs:List*; the others are about other actions, some with conditions, some denies. */
function policyDocument(i: number, account: string): string {
  const statement = i === 49
    ? { Effect: 'Allow', Action: ['ecs:List*', 'ecs:Describe*'], Resource: '*' }
    : [
      { Effect: 'Allow', Action: [`logs:Get${i}*`, 'logs:FilterLogEvents'], Resource: `arn:aws:logs:*:${account}:log-group:/team-${i}/*` },
      { Effect: 'Allow', Action: 'ecs:RunTask', Resource: '*', Condition: { ArnEquals: { 'ecs:cluster': `arn:aws:ecs:*:${account}:cluster/team-${i}` } } },
      { Effect: 'Deny', Action: 'ecs:Delete*', Resource: `arn:aws:ecs:*:${account}:cluster/prod-${i}` },
      { Effect: 'Allow', NotAction: ['iam:*', 'ecs:*', 'sts:*'], Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': `10.${i}.0.0/16` } } },
      { Effect: 'Deny', Action: 's3:*', NotResource: `arn:aws:s3:::bucket-${i}/*` },
    ][i % 5];
  return JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
}

async function seedUser(pier: PierProcess): Promise<{ accessKeyId: string; secretAccessKey: string; account: string }> {
  const iam = new IAMClient({ endpoint: pier.endpoint, region: pier.region, credentials: { accessKeyId: pier.accessKeyId, secretAccessKey: pier.secretAccessKey } });
  const { User } = await iam.send(new CreateUserCommand({ UserName: 'bench' }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'bench' }));
  iam.destroy();
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey!, account: User!.Arn!.split(':')[4]! };
}

async function writePolicies(dataDir: string, account: string): Promise<void> {
  const store = new SqliteStore(paths(dataDir).db);
  try {
    await store.transaction(async (tx) => {
      const user = (await tx.users.getByName('bench'))!;
      for (let i = 0; i < 50; i++) await tx.userPolicies.putInline(user.userId, `p${String(i).padStart(2, '0')}`, policyDocument(i, account));
    });
  } finally {
    await store.close();
  }
}

async function timeCalls(client: ECSClient, n: number, into?: SampleBuffer): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await client.send(new ListClustersCommand({}));
    into?.push(performance.now() - t0);
  }
}

function evaluatorAlone(account: string): { microsPerDecision: number } {
  const policies = Array.from({ length: 50 }, (_, i) => compilePolicy(`p${i}`, policyDocument(i, account)));
  const request = { action: 'ecs:ListClusters', resource: '*', context: requestContext({ 'aws:SourceIp': '127.0.0.1', 'aws:username': 'bench' }) };
  if (decide(policies, request) !== Decision.Allow) throw new Error('the bench user is not allowed ListClusters');
  const n = 200_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) decide(policies, request);
  return { microsPerDecision: ((performance.now() - t0) * 1000) / n };
}

async function main(): Promise<void> {
  log(`machine: ${describeMachine(machineInfo())}`);
  let pier = await startPier();
  const dataDir = pier.dataDir;
  const user = await seedUser(pier);
  await pier.stop();
  await writePolicies(dataDir, user.account);
  pier = await startPier({ dataDir });
  const load = [loadavg()[0]!];
  try {
    const client = (accessKeyId: string, secretAccessKey: string) => new ECSClient({ endpoint: pier.endpoint, region: pier.region, credentials: { accessKeyId, secretAccessKey } });
    const clients = { root: client(pier.accessKeyId, pier.secretAccessKey), user: client(user.accessKeyId, user.secretAccessKey) };
    const samples = { root: new SampleBuffer(), user: new SampleBuffer() };
    for (const c of Object.values(clients)) await timeCalls(c, 300);
    // Calls alternate one by one (which goes first alternating too), so both keys meet the same load on this shared machine.
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < Math.ceil(CALLS / ROUNDS); i++) {
        const order = i % 2 === 0 ? (['root', 'user'] as const) : (['user', 'root'] as const);
        for (const who of order) await timeCalls(clients[who], 1, samples[who]);
      }
      load.push(loadavg()[0]!);
      log(`round ${r + 1}/${ROUNDS} done`);
    }
    for (const c of Object.values(clients)) c.destroy();
    const stats = Object.fromEntries(Object.entries(samples).map(([who, s]) => {
      const sorted = s.toArray().sort();
      return [who, { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) }];
    })) as Record<'root' | 'user', { n: number; p50: number; p95: number; p99: number }>;
    const alone = evaluatorAlone(user.account);
    const added = (k: 'p50' | 'p95' | 'p99') => `${(((stats.user[k] / stats.root[k]) - 1) * 100).toFixed(1)} %`;
    console.log(markdownTable(['keys', 'calls', 'p50 ms', 'p95 ms', 'p99 ms'], [
      ['root (not evaluated)', String(stats.root.n), fmtMs(stats.root.p50), fmtMs(stats.root.p95), fmtMs(stats.root.p99)],
      ['IAM user, 50 inline policies', String(stats.user.n), fmtMs(stats.user.p50), fmtMs(stats.user.p95), fmtMs(stats.user.p99)],
      ['added by authorisation', '', added('p50'), added('p95'), added('p99')],
    ], new Set([1, 2, 3, 4])));
    console.log(`\nevaluator alone: ${alone.microsPerDecision.toFixed(2)} µs per decision against 50 compiled policies`);
    console.log(`load average (1 min) during the run: ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}`);
    if (args.json) writeFileSync(args.json, JSON.stringify({ stats, evaluatorMicros: alone.microsPerDecision, load }, null, 2));
  } finally {
    await pier.destroy();
  }
}

await main();
