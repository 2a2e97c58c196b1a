/**
 * The README's quickstart, done the way it says: start Pier with what `npm start` runs (after
 * scripts/setup.sh, which the test runner has already run and which would rebuild dist/ under the
 * other suites), read the commands `pier up` prints for the bundled sample, check they are the
 * README's, run them in a shell from the repository root and curl the URL twice: two different
 * tasks answer. Differences from a newcomer's run, for a shared test machine: a free API port, a
 * temp data dir, a default VPC block of its own, runc sandboxes (faster than gVisor) and a free
 * load balancer port instead of 8080. Then `pier sample delete` and a clean host.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import {
  formatLeftovers, removeDataDir, removeLeftovers, snapshotHost, waitForNoLeftovers, type HostSnapshot,
} from '../helpers/host-leftovers.js';
import { isolatedVpcCidr, REPO_ROOT } from '../helpers/pier-process.js';

interface Result { code: number; stdout: string; stderr: string }

/** A command line in bash from the repository root, as a person pastes it. */
const shell = (line: string, timeoutMs: number): Promise<Result> => new Promise((resolve) => {
  execFile('bash', ['-c', line], { cwd: REPO_ROOT, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1' } },
    (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
});

/** The README's quickstart section: its shell blocks' command lines, comments removed. */
function readmeQuickstart(): string[][] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quickstart'), readme.indexOf('\n## ', readme.indexOf('## Quickstart') + 1));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== ''));
}

describe('the README quickstart: npm start, then the sample commands pier up prints', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pier-quickstart-'));
  let snapshot: HostSnapshot;
  let pier: ChildProcess | undefined;
  let printed: string[] = [];
  let lbPort = 0;
  const taskIds = new Set<string>();
  const scope = (): { dataDirs: string[]; taskIds: string[] } => ({ dataDirs: [dataDir], taskIds: [...taskIds] });
  const running = (): boolean => pier !== undefined && pier.exitCode === null && pier.signalCode === null;

  before(async () => {
    snapshot = snapshotHost(scope());
    lbPort = await freePort();
  });

  after(async () => {
    if (running()) {
      await shell(`bin/pier sample delete --data-dir ${dataDir}`, 120_000);
      const exited = new Promise((r) => pier!.once('exit', r));
      pier!.kill('SIGTERM');
      const t = setTimeout(() => running() && pier!.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    }
    const removed = await removeLeftovers(snapshot, scope());
    if (removed.length) process.stderr.write(`[quickstart teardown] removed ${removed.join(', ')}\n`);
    removeDataDir(dataDir);
  });

  test('npm start runs setup, then pier up, which prints the sample\'s commands once ready', async () => {
    const blocks = readmeQuickstart();
    assert.deepEqual(blocks[0], ['npm start'], 'the first command of the quickstart');
    const start = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const m = /^bash scripts\/setup\.sh && (node \S+ up)$/.exec(start);
    assert.ok(m, `npm start is setup, then pier up: ${start}`);
    const [node, main, up] = m[1]!.split(' ');
    assert.equal(node, 'node');
    const port = await freePort();
    pier = spawn(process.execPath, [main!, up!, '--port', String(port), '--data-dir', dataDir, '--runtime', 'runc', '--default-vpc-cidr', isolatedVpcCidr()], {
      cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIER_LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    pier.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no sample lines from pier up in 60 s:\n${stdout}\n${stderr}`)), 60_000);
      pier!.stdout!.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (/docs\/quickstart\.md\)\n/.test(stdout)) {
          clearTimeout(timer);
          resolve();
        }
      });
      pier!.once('exit', (code) => reject(new Error(`pier up exited with ${code}:\n${stdout}\n${stderr}`)));
    });
    assert.match(stdout, new RegExp(`^pier: ready at http://127\\.0\\.0\\.1:${port}$`, 'm'));
    printed = stdout.slice(stdout.indexOf('pier: run the sample')).split('\n').filter((l) => l.startsWith('pier:   ')).map((l) => l.slice(8).trim());
    assert.deepEqual(printed, [`bin/pier sample deploy --data-dir ${dataDir}`, 'curl http://127.0.0.1:8080/']);
    const readmeSample = blocks[1]!;
    assert.deepEqual(readmeSample, printed.map((l) => l.replace(` --data-dir ${dataDir}`, '')), 'the README shows what pier up prints (without the test\'s --data-dir)');
  });

  test('the printed commands deploy 2 tasks behind a listener, and two curls get answers from two tasks', async () => {
    assert.equal(printed.length, 2, 'pier up printed the commands');
    const t0 = Date.now();
    const deployed = await shell(`${printed[0]} --lb-port ${lbPort}`, 180_000);
    assert.equal(deployed.code, 0, `${printed[0]}: ${deployed.stderr}${deployed.stdout}`);
    assert.match(deployed.stdout, new RegExp(`^hello: hello:1, 2 of 2 tasks running, at http://pier-hello-\\d{10}\\.[a-z0-9-]+\\.elb\\.localhost:${lbPort}/$`, 'm'));
    assert.match(deployed.stderr, /^created repository hello$/m, 'the image went into the built-in registry');
    process.stderr.write(`[quickstart] sample deploy took ${Math.round((Date.now() - t0) / 1000)} s\n`);

    const ps = await shell(`bin/pier ps --json --data-dir ${dataDir}`, 30_000);
    const tasks = (JSON.parse(ps.stdout) as { tasks: { taskArn: string; lastStatus: string; group: string; containers: { image: string }[] }[] }).tasks;
    for (const t of tasks) taskIds.add(t.taskArn.slice(t.taskArn.lastIndexOf('/') + 1));
    assert.deepEqual(tasks.map((t) => [t.lastStatus, t.group]), [['RUNNING', 'service:hello'], ['RUNNING', 'service:hello']]);
    assert.match(tasks[0]!.containers[0]!.image, /^127\.0\.0\.1:\d+\/hello:1$/, 'the tasks run the image from the built-in registry');

    const curl = printed[1]!.replace(':8080/', `:${lbPort}/`);
    const answers: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await shell(`${curl} --max-time 5 --silent --show-error`, 10_000);
      assert.equal(r.code, 0, `${curl}: ${r.stderr}`);
      const m = /^hello from task ([0-9a-f]{32})\n/.exec(r.stdout);
      assert.ok(m, `the sample's answer names its task: ${JSON.stringify(r.stdout)}`);
      answers.push(m[1]!);
    }
    assert.notEqual(answers[0], answers[1], 'the load balancer sent the two requests to two tasks');
    assert.deepEqual(new Set(answers), taskIds, 'each answer came from one of the service\'s tasks');
  });

  test('pier sample delete removes it all; pier up stops cleanly and leaves nothing on the host', async () => {
    const r = await shell(`bin/pier sample delete --data-dir ${dataDir}`, 120_000);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'deleted the sample: service hello, load balancer pier-hello, repository hello\n');
    const ps = await shell(`bin/pier ps --data-dir ${dataDir}`, 30_000);
    assert.equal(ps.stdout.trim(), 'no running tasks in cluster default (--all shows stopped ones)');
    const exited = new Promise<number | null>((resolve) => pier!.once('exit', (code) => resolve(code)));
    pier!.kill('SIGTERM');
    assert.equal(await exited, 0, 'pier up exits 0 on SIGTERM');
    const left = await waitForNoLeftovers(snapshot, scope(), 5_000);
    assert.deepEqual(left, {}, formatLeftovers(left));
  });
});
