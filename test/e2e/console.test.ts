/**
 * The web console end to end in Debian's headless Chromium (playwright-core, no browser download)
 * against `pier up` with its agent (runc tasks, busybox from a local registry): a wrong key pair
 * is refused with a clear message and no session; the right one signs in; clusters, a service and
 * a task are shown as the API describes them; running a task, stopping it, scaling a service and
 * forcing its new deployment from the page do what the AWS SDK then reads back; logs, charts and costs appear; the console's
 * API refuses calls without the session or its CSRF header; files are served with their types and
 * cache headers. Screenshots go to test-artifacts/console/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, ListTasksCommand, UpdateServiceCommand, type Service,
} from '@aws-sdk/client-ecs';
import { REPO_ROOT } from '../helpers/pier-process.js';
import { createExecutionRole, HOLD, RealEnv, sleep, taskIdOf } from './tasks-real-support.test.js';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'console');
const CHROMIUM = '/usr/bin/chromium';
const REASON = 'Stopped from the Pier console';

describe('the web console in headless Chromium (runc tasks, pier up with its agent)', () => {
  let env: RealEnv;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleUrl = '';
  const pageErrors: string[] = [];

  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const go = async (hash: string): Promise<void> => {
    await page.goto(`${consoleUrl}#${hash}`, { waitUntil: 'domcontentloaded' });
  };
  const until = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await sleep(250);
    }
  };
  const service = async (): Promise<Service> =>
    (await env.ecs.send(new DescribeServicesCommand({ cluster: 'default', services: ['web'] }))).services![0]!;
  const runningTasks = async (): Promise<string[]> =>
    (await env.ecs.send(new ListTasksCommand({ cluster: 'default', desiredStatus: 'RUNNING' }))).taskArns ?? [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    env = await RealEnv.start({
      agent: true, registryAuth: 'none', pierArgs: ['--runtime', 'runc'],
      pierEnv: { PIER_SERVICE_TASK_SETTLE_SECONDS: '1', PIER_METRICS_INTERVAL_SECONDS: '2' },
    });
    consoleUrl = `${env.pier.endpoint}/console/`;
    const executionRoleArn = createExecutionRole(env.aws, 'console-exec');
    env.registerTaskDefinition('web', [{
      name: 'web', command: `echo hello from the console test; ${HOLD}`,
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/pier/console', 'awslogs-region': env.pier.region, 'awslogs-stream-prefix': 'web', 'awslogs-create-group': 'true' } },
    }], { executionRoleArn });
    const net = env.defaultNetwork();
    await env.ecs.send(new CreateServiceCommand({
      cluster: 'default', serviceName: 'web', taskDefinition: 'web', desiredCount: 1, launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: net.subnets, securityGroups: [net.securityGroup] } },
    }));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // What the browser said, for the log of a failed run.
    page.on('console', (m) => void process.stderr.write(`[console.test browser ${m.type()}] ${m.text()}\n`));
    page.on('requestfailed', (r) => void process.stderr.write(`[console.test browser] request failed: ${r.url()} ${r.failure()?.errorText ?? ''}\n`));
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    if (env) {
      await env.ecs.send(new DeleteServiceCommand({ cluster: 'default', service: 'web', force: true })).catch(() => undefined);
      for (const arn of await runningTasks().catch(() => [])) env.tasks.add(arn);
      await env.teardown();
    }
  });

  test('a wrong key pair is refused with a clear message and no session', async () => {
    await page.goto(consoleUrl, { waitUntil: 'domcontentloaded' });
    await page.fill('#access-key-id', env.pier.accessKeyId);
    // Another last character: the real secret may itself end in 'x'.
    const secret = env.pier.secretAccessKey;
    await page.fill('#secret-access-key', `${secret.slice(0, -1)}${secret.endsWith('x') ? 'y' : 'x'}`);
    await page.click('button[type=submit]');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /UnrecognizedClientException: The access key ID or secret access key is not right/);
    assert.deepEqual(await context.cookies(), [], 'no session cookie after a refused sign-in');
    await shot('01-sign-in-refused');
  });

  test('signing in shows the clusters, with a session the page cannot read', async () => {
    await page.fill('#secret-access-key', env.pier.secretAccessKey);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Clusters' }).waitFor();
    const row = page.locator('table.clusters tr', { hasText: 'default' });
    await row.waitFor();
    const [cookie] = await context.cookies();
    assert.equal(cookie?.name, 'pier_console');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie), '', 'the session cookie is HttpOnly');
    const html = await page.content();
    assert.ok(!html.includes(env.pier.secretAccessKey), 'the secret is not left in the page');
    await shot('02-clusters');
  });

  test('the console API refuses calls without the session or its CSRF header', async () => {
    const call = (headers: Record<string, string>): Promise<Response> => fetch(`${consoleUrl}api/aws/ecs`, {
      method: 'POST', headers: { 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters', 'content-type': 'application/x-amz-json-1.1', ...headers }, body: '{}',
    });
    const [cookie] = await context.cookies();
    const session = `pier_console=${cookie!.value}`;
    let res = await call({});
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { __type: string }).__type, 'MissingAuthenticationTokenException');
    res = await call({ cookie: session });
    assert.equal(res.status, 403, 'a session cookie without the CSRF header is refused');
    const csrf = await page.evaluate(async () => ((await (await fetch('/console/api/session')).json()) as { csrfToken: string }).csrfToken);
    res = await call({ cookie: session, 'x-pier-csrf': csrf, origin: 'http://attacker.invalid' });
    assert.equal(res.status, 403, 'another origin is refused');
    res = await call({ cookie: session, 'x-pier-csrf': csrf });
    assert.equal(res.status, 200);
    assert.ok(((await res.json()) as { clusterArns: string[] }).clusterArns.some((a) => a.endsWith('/default')));
  });

  test("an IAM user's console calls are decided by its policies, as its signed calls are", async () => {
    env.aws.ok(['create-user', '--user-name', 'console-viewer'], 'iam');
    const key = env.aws.ok(['create-access-key', '--user-name', 'console-viewer'], 'iam').AccessKey as { AccessKeyId: string; SecretAccessKey: string };
    const signIn = await fetch(`${consoleUrl}api/session`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey }),
    });
    assert.equal(signIn.status, 200);
    const me = (await signIn.json()) as { principalArn: string; csrfToken: string };
    assert.match(me.principalArn, /:user\/console-viewer$/);
    const headers = {
      cookie: /pier_console=[^;]+/.exec(signIn.headers.get('set-cookie')!)![0], 'x-pier-csrf': me.csrfToken,
      'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters', 'content-type': 'application/x-amz-json-1.1',
    };
    const denied = await fetch(`${consoleUrl}api/aws/ecs`, { method: 'POST', headers, body: '{}' });
    assert.equal(denied.status, 400);
    const body = (await denied.json()) as { __type: string; message: string };
    assert.equal(body.__type, 'AccessDeniedException');
    assert.match(body.message, /console-viewer is not authorized to perform: ecs:ListClusters/);
  });

  test('run a task from the cluster page: it runs, with its network interface and logs', async () => {
    await go('/clusters/default');
    await page.getByRole('heading', { name: 'default' }).waitFor();
    await page.getByRole('button', { name: 'Run task' }).click();
    const form = page.locator('form.run-task');
    await form.locator('select[name=family] option', { hasText: 'web' }).waitFor({ state: 'attached' });
    await form.locator('select[name=family]').selectOption('web');
    await form.getByRole('button', { name: 'Run' }).click();
    await page.waitForURL(/#\/clusters\/default\/tasks\/[0-9a-f]+$/);
    const id = page.url().slice(page.url().lastIndexOf('/') + 1);
    const arn = await until('the console-run task', async () =>
      (await runningTasks()).find((a) => taskIdOf(a) === id));
    env.tasks.add(arn);
    const task = await env.waitRunning(arn);
    assert.equal(task.startedBy, 'pier-console');
    assert.equal(task.group, 'family:web');
    await page.locator('[data-field=lastStatus]', { hasText: 'RUNNING' }).waitFor();
    const ip = task.attachments![0]!.details!.find((d) => d.name === 'privateIPv4Address')!.value!;
    assert.equal(await page.locator('[data-field=ip]').innerText(), ip);
    await page.locator('pre.logs', { hasText: 'hello from the console test' }).waitFor({ timeout: 20_000 });
    await page.locator('[data-field=cpu]').waitFor({ timeout: 20_000 });
    await shot('03-task-running');
  });

  test('stop the task from its page: the SDK reads it STOPPED with the reason given', async () => {
    const id = page.url().slice(page.url().lastIndexOf('/') + 1);
    const arn = [...env.tasks].find((a) => taskIdOf(a) === id)!;
    await page.getByRole('button', { name: 'Stop task' }).click();
    await page.getByRole('button', { name: 'Confirm stop' }).click();
    const stopped = await env.waitStopped(arn, 30_000);
    assert.equal(stopped.stoppedReason, REASON);
    assert.equal(stopped.stopCode, 'UserInitiated');
    await page.locator('[data-field=lastStatus]', { hasText: 'STOPPED' }).waitFor({ timeout: 10_000 });
    assert.match(await page.locator('[data-field=stoppedReason]').innerText(), new RegExp(REASON));
    await shot('04-task-stopped');
  });

  test('scale the service from its page: the SDK reads the new count and the tasks run', async () => {
    await until('the service task running', async () => ((await service()).runningCount === 1 ? true : undefined), 60_000);
    await go('/clusters/default/services/web');
    await page.getByRole('heading', { name: 'web' }).waitFor();
    await page.locator('[data-field=running]', { hasText: '1' }).waitFor();
    const scale = page.getByRole('form', { name: 'Scale' });
    await scale.locator('input[name=desiredCount]').fill('2');
    await scale.getByRole('button', { name: 'Scale' }).click();
    await until('desiredCount 2', async () => ((await service()).desiredCount === 2 ? true : undefined), 10_000);
    await until('two running service tasks', async () => ((await service()).runningCount === 2 ? true : undefined), 60_000);
    await page.locator('[data-field=running]', { hasText: '2' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('table.tasks tbody tr', { hasText: 'RUNNING' }).count(), 2);
    await page.locator('pre.logs', { hasText: 'hello from the console test' }).waitFor({ timeout: 15_000 });
    // The memory chart reads AWS/ECS MemoryUtilization for this service (published every 2 s here).
    const memory = page.locator('figure.chart[data-chart^="Memory utilization"]');
    await until('memory utilization points', async () => {
      if (Number(await memory.getAttribute('data-points')) > 0) return true;
      await page.reload();
      await memory.waitFor();
      return undefined;
    }, 30_000);
    await shot('05-service-scaled');
    await env.ecs.send(new UpdateServiceCommand({ cluster: 'default', service: 'web', desiredCount: 0 }));
  });

  test('update the service from its page: a forced new deployment becomes PRIMARY', async () => {
    const primary = (s: Service): string | undefined => s.deployments?.find((d) => d.status === 'PRIMARY')?.id;
    const before = primary(await service());
    const update = page.getByRole('form', { name: 'Update' });
    await update.getByLabel('Force new deployment').check();
    await update.getByRole('button', { name: 'Update service' }).click();
    const after = await until('a new primary deployment', async () => {
      const id = primary(await service());
      return id !== before ? id : undefined;
    }, 10_000);
    await page.locator('table.deployments tr', { hasText: after! }).waitFor({ timeout: 10_000 });
  });

  test('costs: the totals and the chart by service', async () => {
    await go('/costs');
    const total = page.locator('[data-field=total]');
    await total.waitFor();
    assert.match(await total.innerText(), /^\$0\.\d{6}$/);
    assert.notEqual(await total.innerText(), '$0.000000', 'the stopped task was charged at least its minute');
    assert.ok(await page.locator('table.costs tbody tr', { hasText: 'default/web' }).count() === 1, 'the service has its row');
    const chart = page.locator('figure.chart[data-chart^="Cost by service"]');
    await until('hourly cost buckets', async () => (Number(await chart.getAttribute('data-points')) >= 24 ? true : undefined), 10_000);
    await shot('06-costs');
  });

  test('files carry their types and cache headers; the page made no other requests and threw nothing', async () => {
    const index = await fetch(consoleUrl, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self' 'sha256-/);
    const html = await index.text();
    const preact = /"preact":"([^"]+)"/.exec(html)![1]!;
    const lib = await fetch(`${env.pier.endpoint}${preact}`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(lib.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(lib.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(lib.headers.get('content-encoding'), 'gzip');
    const app = await fetch(`${consoleUrl}app/app.js`);
    assert.equal(app.headers.get('cache-control'), 'no-cache');
    const again = await fetch(`${consoleUrl}app/app.js`, { headers: { 'if-none-match': app.headers.get('etag')! } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(`${consoleUrl}app/nope.js`)).status, 404);
    const outside: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(env.pier.endpoint) && !r.url().startsWith('data:')) outside.push(r.url());
    });
    await page.reload();
    await page.getByRole('heading', { name: 'Costs' }).waitFor();
    assert.deepEqual(outside, []);
    assert.deepEqual(pageErrors, []);
  });

  test('signing out ends the session', async () => {
    const [cookie] = await context.cookies();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Pier' }).waitFor();
    const old = { cookie: `pier_console=${cookie!.value}` };
    assert.deepEqual(await (await fetch(`${consoleUrl}api/session`, { headers: old })).json(), { signedIn: false });
    const res = await fetch(`${consoleUrl}api/task-metrics?cluster=default`, { headers: old });
    assert.equal(res.status, 401, 'the old session id no longer works');
    await shot('07-signed-out');
  });
});
