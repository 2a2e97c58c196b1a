/**
 * The people's `pier` commands end to end against `pier up` with its agent (runc tasks, busybox
 * from a local registry): run an image and see it RUNNING with its address, list it, read and
 * follow its logs, stop it; deploy a task definition file as a service behind a load balancer
 * port and roll it to a new revision, list services, scale, read a service's logs; bad input is
 * refused with a message that says what to do and changes nothing.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PIER_MAIN } from '../helpers/pier-process.js';
import { until } from './aws-cli-support.test.js';
import { HOLD, processesMatching, RealEnv } from './tasks-real-support.test.js';
import { freePort } from '../helpers/free-port.js';

interface Result { code: number; stdout: string; stderr: string }

const httpGet = (port: number): Promise<string> => new Promise((resolve, reject) => {
  get({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
    let body = '';
    res.on('data', (c: Buffer) => (body += c.toString()));
    res.on('end', () => resolve(`${res.statusCode} ${body.trim()}`));
  }).on('error', reject);
});

/** Serves `rev-N` on :8080 until SIGTERM. */
const SITE = (rev: string): string[] => ['sh', '-c', `echo serving rev-${rev}; mkdir -p /tmp/www && echo rev-${rev} > /tmp/www/index.html && exec httpd -f -v -p 8080 -h /tmp/www`];

describe('the pier CLI for people (runc tasks, pier up with its agent)', () => {
  let env: RealEnv;
  let lbPort = 0;
  let runTask = '';

  /** `pier COMMAND --data-dir DIR ARGS…` (flags before `--`), colour off. */
  const pier = (args: string[], timeoutMs = 120_000, dataDir = true): Promise<Result> => new Promise((resolve) => {
    execFile(process.execPath, [PIER_MAIN, args[0]!, ...(dataDir ? ['--data-dir', env.dataDir] : []), ...args.slice(1)], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
  const pierOk = async (args: string[], timeoutMs?: number): Promise<string> => {
    const r = await pier(args, timeoutMs);
    assert.equal(r.code, 0, `pier ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const pierJson = async (args: string[], timeoutMs?: number): Promise<any> => JSON.parse(await pierOk([args[0]!, '--json', ...args.slice(1)], timeoutMs));
  const liveTasks = (): string[] => env.aws.ok(['list-tasks']).taskArns as string[];

  before(async () => {
    env = await RealEnv.start({ agent: true, registryAuth: 'none', pierArgs: ['--runtime', 'runc'], pierEnv: { PIER_SERVICE_TASK_SETTLE_SECONDS: '1' } });
    lbPort = await freePort();
  });
  after(async () => {
    await env?.teardown();
  });

  test('bad input says what to do and changes nothing', async () => {
    let r = await pier(['run']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^pier: missing IMAGE\n/);
    r = await pier(['run', env.image, '--cpu', '3']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^pier: RegisterTaskDefinition: ClientException: .*cpu/i);
    r = await pier(['run', env.image, '--env', 'NOEQUALS']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--env takes NAME=VALUE, got 'NOEQUALS'/);
    r = await pier(['stop', 'ffff']);
    assert.match(r.stderr, /^pier: no task 'ffff' in cluster default: 'pier ps --all' lists them\n$/);
    r = await pier(['scale', 'nope', 'two']);
    assert.match(r.stderr, /COUNT must be a whole number, got 'two'/);
    r = await pier(['deploy', '-f', join(env.tmp, 'missing.json')]);
    assert.match(r.stderr, /^pier: cannot read .*missing\.json: ENOENT/);
    r = await pier(['logs', 'abcdef']);
    assert.match(r.stderr, /no task 'abcdef'/);
    r = await pier(['ps', '--bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown flag --bogus/);
    assert.deepEqual(env.aws.ok(['list-clusters']).clusterArns, [], 'no cluster, so no task and no service');
    assert.deepEqual(env.aws.ok(['list-task-definitions']).taskDefinitionArns, []);
  });

  test('pier run starts an image with its environment and waits until it is RUNNING at its address', async () => {
    const out = await pierJson(['run', env.image, '--env', 'GREETING=hello', '--', 'sh', '-c',
      'trap "exit 0" TERM; echo "$GREETING from pier run"; i=0; while :; do i=$((i+1)); echo tick $i; sleep 1 & wait $!; done']);
    assert.equal(out.taskArns.length, 1);
    runTask = out.taskArns[0];
    env.tasks.add(runTask);
    assert.equal(out.tasks[0].lastStatus, 'RUNNING');
    assert.equal(out.logGroupName, '/pier/busybox');
    assert.match(out.taskDefinitionArn, /:task-definition\/busybox:1$/);
    const def = env.aws.ok(['describe-task-definition', '--task-definition', 'busybox:1']).taskDefinition;
    assert.deepEqual(def.containerDefinitions[0].environment, [{ name: 'GREETING', value: 'hello' }]);
    assert.match(def.executionRoleArn, /:role\/ecsTaskExecutionRole$/);
    const id = runTask.slice(runTask.lastIndexOf('/') + 1);
    const ps = await pierOk(['ps']);
    const [header, row] = ps.trim().split('\n');
    assert.match(header!, /^TASK +DEFINITION +STATUS +HEALTH +ADDRESS +CAPACITY +GROUP +CREATED +STOPPED REASON$/);
    assert.match(row!, new RegExp(`^${id} +busybox:1 +RUNNING +\\d+\\.\\d+\\.\\d+\\.\\d+ +FARGATE +family:busybox +\\d+s ago$`));
  });

  test('pier logs prints the task\'s lines; --follow shows new ones as they come', async () => {
    const prefix = runTask.slice(runTask.lastIndexOf('/') + 1).slice(0, 8);
    const lines = await until('the first lines are stored', async () => {
      const out = (await pierOk(['logs', prefix])).split('\n');
      return out.includes('hello from pier run') && out.includes('tick 1') && out;
    }, 30_000);
    assert.equal(lines[0], 'hello from pier run');
    const follow = spawn(process.execPath, [PIER_MAIN, 'logs', prefix, '-f', '--data-dir', env.dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let seen = '';
      follow.stdout.on('data', (c: Buffer) => (seen += c.toString()));
      const last = Math.max(...lines.filter((l) => l.startsWith('tick ')).map((l) => Number(l.slice(5))));
      await until(`tick ${last + 3} while following`, () => seen.split('\n').includes(`tick ${last + 3}`), 30_000);
      const ticks = seen.split('\n').filter((l) => l.startsWith('tick '));
      assert.equal(new Set(ticks).size, ticks.length, 'no line twice');
    } finally {
      follow.kill('SIGTERM');
    }
  });

  test('pier stop stops a task named by the start of its id and waits for it', async () => {
    const id = runTask.slice(runTask.lastIndexOf('/') + 1);
    const out = await pierOk(['stop', id.slice(0, 10)]);
    assert.equal(out, `${id} STOPPED: Stopped with pier stop\n`);
    assert.equal((await pierOk(['ps'])).trim(), 'no running tasks in cluster default (--all shows stopped ones)');
    const all = await pierJson(['ps', '--all']);
    assert.deepEqual(all.tasks.map((t: any) => [t.taskArn, t.lastStatus]), [[runTask, 'STOPPED']]);
  });

  test('pier deploy makes a service behind a load balancer port, then rolls it to a new revision', async () => {
    const file = join(env.tmp, 'web.json');
    const write = (rev: string): void => writeFileSync(file, JSON.stringify({
      family: 'web', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
      containerDefinitions: [{
        name: 'site', image: env.image, command: SITE(rev), portMappings: [{ containerPort: 8080 }], stopTimeout: 2,
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/pier/web', 'awslogs-region': env.pier.region, 'awslogs-stream-prefix': 'web', 'awslogs-create-group': 'true' } },
      }],
    }));
    write('1');
    const created = await pierJson(['deploy', '-f', file, '--count', '2', '--lb-port', String(lbPort)], 240_000);
    assert.equal(created.service.serviceName, 'web');
    assert.equal(created.service.runningCount, 2);
    assert.match(created.url, new RegExp(`^http://pier-web-\\d{10}\\.[a-z0-9-]+\\.elb\\.localhost:${lbPort}/$`));
    assert.equal(await httpGet(lbPort), '200 rev-1');
    for (const arn of liveTasks()) env.tasks.add(arn);

    write('2');
    const r = await pier(['deploy', '-f', file, '--wait-seconds', '120'], 240_000);
    assert.equal(r.code, 0, `${r.stderr}; ${JSON.stringify(env.aws.ok(['describe-services', '--services', 'web']).services[0], null, 1)}`);
    assert.match(r.stdout, new RegExp(`^web: web:2, 2 of 2 tasks running, at http://pier-web-\\d{10}\\.[a-z0-9-]+\\.elb\\.localhost:${lbPort}/\\n$`));
    await until('rev-2 answers', async () => (await httpGet(lbPort)) === '200 rev-2', 30_000);
    for (const arn of liveTasks()) env.tasks.add(arn);
    const lbs = env.aws.ok(['describe-load-balancers'], 'elbv2').LoadBalancers;
    assert.deepEqual(lbs.map((l: any) => l.LoadBalancerName), ['pier-web'], 'the second deploy reused the load balancer');
  });

  test('pier services, pier scale and a service\'s logs', async () => {
    const table = (await pierOk(['services'])).trim().split('\n');
    assert.match(table[0]!, /^SERVICE +STATUS +DEFINITION +DESIRED +RUNNING +PENDING +ROLLOUT +LAST EVENT$/);
    assert.match(table[1]!, /^web +ACTIVE +web:2 +2 +2 +0 +COMPLETED +\d+s ago: \(service web\) /);
    const missing = await pier(['scale', 'nope', '2']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^pier: UpdateService: ServiceNotFoundException: /);
    assert.equal(await pierOk(['scale', 'web', '1']), 'web: 1 running of 1 desired\n');
    assert.equal(env.aws.ok(['describe-services', '--services', 'web']).services[0].desiredCount, 1);
    const lines = await until('both revisions\' lines', async () => {
      const out = (await pierOk(['logs', 'web', '--since', '10m'])).trim().split('\n');
      return out.some((l) => / serving rev-1$/.test(l)) && out.some((l) => / serving rev-2$/.test(l)) && out;
    }, 30_000);
    for (const l of lines) assert.match(l, /^[0-9a-f]{8}\/site /, 'each line names its task and container');
  });

  test('pier completion bash prints a completion script', async () => {
    const r = await pier(['completion', 'bash'], 10_000, false);
    assert.equal(r.code, 0, r.stderr);
    const script = r.stdout;
    assert.match(script, /^complete -o default -F _pier pier$/m);
    assert.match(script, /run\) words="--name --cpu --memory --env/);
  });

  test('pier run --spot runs on FARGATE_SPOT and pier costs prices it at the Spot rate', async () => {
    const out = await pierJson(['run', env.image, '--spot', '--name', 'spotty', '--', 'sh', '-c', HOLD]);
    const arn = out.taskArns[0] as string;
    env.tasks.add(arn);
    assert.equal(out.tasks[0].capacityProviderName, 'FARGATE_SPOT');
    assert.equal(env.aws.ok(['describe-tasks', '--tasks', arn]).tasks[0].capacityProviderName, 'FARGATE_SPOT');
    assert.deepEqual(env.aws.ok(['describe-clusters']).clusters[0].capacityProviders, ['FARGATE', 'FARGATE_SPOT'], 'pier run --spot gave the default cluster Spot capacity');
    await pierOk(['stop', arn.slice(arn.lastIndexOf('/') + 1)]);
    const line = (await pierJson(['costs', '--by', 'task'])).tasks.find((t: any) => t.taskArn === arn);
    // 0.25 vCPU and 0.5 GB for under a minute, charged 60 s at Spot prices:
    // 60 / 3600 × (0.25 × 0.012144 + 0.5 × 0.0013335) = $0.0000617125 (on demand it would be $0.000206).
    assert.deepEqual([line.family, line.capacityProvider, line.billedSeconds, line.cost], ['spotty', 'FARGATE_SPOT', 60, '0.000062']);
  });

  test('deleting the service and the load balancer leaves nothing on the host', async () => {
    const tasks = liveTasks();
    env.aws.ok(['delete-service', '--service', 'web', '--force']);
    for (const arn of tasks) await env.waitStopped(arn, 60_000);
    const [lb] = env.aws.ok(['describe-load-balancers', '--names', 'pier-web'], 'elbv2').LoadBalancers;
    for (const l of env.aws.ok(['describe-listeners', '--load-balancer-arn', lb.LoadBalancerArn], 'elbv2').Listeners) {
      env.aws.ok(['delete-listener', '--listener-arn', l.ListenerArn], 'elbv2');
    }
    env.aws.ok(['delete-load-balancer', '--load-balancer-arn', lb.LoadBalancerArn], 'elbv2');
    const [tg] = env.aws.ok(['describe-target-groups', '--names', 'pier-web'], 'elbv2').TargetGroups;
    env.aws.ok(['delete-target-group', '--target-group-arn', tg.TargetGroupArn], 'elbv2');
    // The agent closes the listener once it hears the load balancer is gone; only then may the
    // server stop (an agent that stops with listeners up leaves them for its successor).
    await until('the listener to close', () => httpGet(lbPort).then(() => false, () => true), 30_000, { everyMs: 200 });
    await until('HAProxy to stop', () => processesMatching(join(env.dataDir, 'agent', 'load-balancer', 'haproxy.cfg')).length === 0, 30_000, { everyMs: 200 });
    await env.assertNothingLeft();
  });
});
