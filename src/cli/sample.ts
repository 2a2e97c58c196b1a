/**
 * `pier sample build|deploy|delete`: the bundled sample (samples/hello), a busybox httpd whose
 * page says which task answered, built here from /bin/busybox with no internet, pushed to the
 * built-in registry and run as a service behind a load balancer port. `deploy` is `pier sample
 * build` + `pier image push` + `pier deploy -f samples/hello/taskdef.json` with the image and
 * region filled in for this server; `delete` removes what `deploy` made.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseCommandLine, UsageError } from './args.js';
import { AwsCallError, ECS, PierClient, xmlValues } from './client/pier-client.js';
import { ECR, pushLayout } from './image.js';
import { deploy } from './people/deploy.js';
import { terminalOutput, type Output } from './people/terminal.js';
import { buildSampleLayout } from './sample-image.js';

export const SAMPLE_DIR = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..', 'samples', 'hello');
export const SAMPLE = { service: 'hello', image: 'hello:1', count: 2, lbPort: 8080 } as const;
const ELB_VERSION = '2015-12-01';

export async function sample(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'build': return build(rest);
    case 'deploy': return deploySample(rest);
    case 'delete': return deleteSample(rest);
    default: throw new UsageError(`pier sample: unknown subcommand '${sub ?? ''}' (try: pier sample deploy)`);
  }
}

function build(argv: string[]): void {
  const { flags } = parseCommandLine(argv, { flags: { out: 'string', json: 'boolean' } });
  if (!flags.out) throw new UsageError('pier sample build needs --out DIR (where to write the OCI image layout)');
  const out = terminalOutput(flags.json === true);
  const built = buildSampleLayout(SAMPLE_DIR, flags.out as string, SAMPLE.image);
  if (out.json) return out.printJson(built);
  out.print(`${built.dir}: OCI image layout of ${SAMPLE.image} (${built.digest}, ${(built.bytes / 1e6).toFixed(1)} MB); push it with: pier image push ${built.dir}`);
}

async function deploySample(argv: string[]): Promise<void> {
  const { flags } = parseCommandLine(argv, {
    flags: { 'data-dir': 'string', cluster: 'string', json: 'boolean', count: 'number', 'lb-port': 'number', detach: 'boolean' },
  });
  const out = terminalOutput(flags.json === true);
  const client = PierClient.fromDataDir(flags['data-dir'] as string | undefined);
  const lbPort = (flags['lb-port'] as number | undefined) ?? SAMPLE.lbPort;
  const work = mkdtempSync(join(tmpdir(), 'pier-sample-'));
  try {
    out.progress(`building ${SAMPLE.image} from ${SAMPLE_DIR} and /bin/busybox`, true);
    const layout = buildSampleLayout(SAMPLE_DIR, join(work, 'layout'), SAMPLE.image);
    const pushed = await pushLayout(client, layout.dir, SAMPLE.image, out);
    out.progress(`pushed ${pushed.image}`, true);
    const taskdef = join(work, 'taskdef.json');
    writeFileSync(taskdef, JSON.stringify(forThisServer(JSON.parse(readFileSync(join(SAMPLE_DIR, 'taskdef.json'), 'utf8')), pushed.image, client.region)));
    const pass = (name: string): string[] => (flags[name] === undefined ? [] : flags[name] === true ? [`--${name}`] : [`--${name}`, String(flags[name])]);
    await deploy(['-f', taskdef, '--service', SAMPLE.service, '--count', String((flags.count as number | undefined) ?? SAMPLE.count),
      '--lb-port', String(lbPort), ...pass('data-dir'), ...pass('cluster'), ...pass('json'), ...pass('detach')]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  out.progress(`try it: curl http://127.0.0.1:${lbPort}/   (again: the other task answers)`, true);
}

/** samples/hello/taskdef.json with this server's image URI and region. */
export function forThisServer(def: any, image: string, region: string): any {
  for (const c of def.containerDefinitions ?? []) {
    c.image = image;
    if (c.logConfiguration?.options?.['awslogs-region']) c.logConfiguration.options['awslogs-region'] = region;
  }
  return def;
}

async function deleteSample(argv: string[]): Promise<void> {
  const { flags } = parseCommandLine(argv, { flags: { 'data-dir': 'string', cluster: 'string', json: 'boolean' } });
  const out = terminalOutput(flags.json === true);
  const c = PierClient.fromDataDir(flags['data-dir'] as string | undefined);
  const cluster = (flags.cluster as string | undefined) ?? 'default';
  const gone = (err: unknown): undefined => {
    if (err instanceof AwsCallError && /NotFound/.test(err.code)) return undefined;
    throw err;
  };
  const deleted = await c.json(ECS, 'DeleteService', { cluster, service: SAMPLE.service, force: true }).catch(gone);
  if (deleted) await untilNoTasks(c, cluster, out);
  await deleteLoadBalancer(c, `pier-${SAMPLE.service}`, out).catch(gone);
  await c.json(ECR, 'DeleteRepository', { repositoryName: SAMPLE.image.split(':')[0], force: true }).catch((err: unknown) => {
    if (!(err instanceof AwsCallError && err.code === 'RepositoryNotFoundException')) throw err;
  });
  if (out.json) return out.printJson({ deleted: { service: SAMPLE.service, loadBalancer: `pier-${SAMPLE.service}`, repository: SAMPLE.image.split(':')[0] } });
  out.print(`deleted the sample: service ${SAMPLE.service}, load balancer pier-${SAMPLE.service}, repository ${SAMPLE.image.split(':')[0]}`);
}

async function untilNoTasks(c: PierClient, cluster: string, out: Output): Promise<void> {
  out.progress(`stopping the tasks of ${SAMPLE.service}`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const taskArns: string[] = [];
    for (const desiredStatus of ['RUNNING', 'STOPPED']) {
      taskArns.push(...(await c.json(ECS, 'ListTasks', { cluster, serviceName: SAMPLE.service, desiredStatus })).taskArns);
    }
    const live: unknown[] = [];
    for (let i = 0; i < taskArns.length; i += 100) {
      live.push(...(await c.json(ECS, 'DescribeTasks', { cluster, tasks: taskArns.slice(i, i + 100) })).tasks.filter((t: any) => t.lastStatus !== 'STOPPED'));
    }
    if (live.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${live.length} tasks of ${SAMPLE.service} still running after 120 s; 'pier ps' shows them`);
    await sleep(1000);
  }
}

async function deleteLoadBalancer(c: PierClient, name: string, out: Output): Promise<void> {
  const elb = (action: string, params: Record<string, string>): Promise<string> => c.query('elasticloadbalancing', ELB_VERSION, action, params);
  const lbArn = xmlValues(await elb('DescribeLoadBalancers', { 'Names.member.1': name }), 'LoadBalancerArn')[0]!;
  for (const arn of xmlValues(await elb('DescribeListeners', { LoadBalancerArn: lbArn }), 'ListenerArn')) await elb('DeleteListener', { ListenerArn: arn });
  await elb('DeleteLoadBalancer', { LoadBalancerArn: lbArn });
  out.progress(`deleted load balancer ${name}`);
  const tg = await elb('DescribeTargetGroups', { 'Names.member.1': name }).catch(() => undefined);
  const tgArn = tg && xmlValues(tg, 'TargetGroupArn')[0];
  if (tgArn) await elb('DeleteTargetGroup', { TargetGroupArn: tgArn });
}
