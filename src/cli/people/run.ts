/**
 * `pier run IMAGE`: registers a Fargate task definition for the image (one container `app`, its
 * output to CloudWatch Logs) and runs it in the default VPC, waiting until it is RUNNING.
 */
import { ECS, PierClient } from '../client/pier-client.js';
import { defaultNetwork } from '../client/default-network.js';
import { keyValues, parseCommandLine, UsageError } from '../args.js';
import { definitionName, taskAddress, taskId } from './ecs-reads.js';
import { ensureSpotCapacity } from './spot-capacity.js';
import { executionRoleArn } from './task-roles.js';
import { table, terminalOutput } from './terminal.js';
import { untilRunning } from './wait.js';

/** ECS runs at most 10 tasks per RunTask call. */
const RUN_TASK_MAX = 10;

/** The family `pier run` names after an image: `busybox` for `127.0.0.1:5000/tools/busybox:1.36`. */
export function familyOf(image: string): string {
  const noDigest = image.split('@')[0]!;
  const last = noDigest.slice(noDigest.lastIndexOf('/') + 1);
  const repo = last.includes(':') ? last.slice(0, last.indexOf(':')) : last;
  return repo.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 255) || 'app';
}

export interface NetworkFlags { subnets?: string | undefined; 'security-groups'?: string | undefined; 'public-ip'?: boolean | undefined }

/** awsvpcConfiguration from --subnets/--security-groups/--public-ip, else the default VPC's subnets and group. */
export async function awsvpcConfiguration(c: PierClient, f: NetworkFlags): Promise<Record<string, unknown>> {
  const split = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);
  const net = f.subnets && f['security-groups'] ? undefined : await defaultNetwork(c);
  return {
    subnets: f.subnets ? split(f.subnets) : [...net!.subnetByZone.values()],
    securityGroups: f['security-groups'] ? split(f['security-groups']) : [net!.securityGroupId],
    assignPublicIp: f['public-ip'] ? 'ENABLED' : 'DISABLED',
  };
}

export async function run(argv: string[]): Promise<void> {
  const { flags, positionals, rest } = parseCommandLine(argv, {
    flags: {
      'data-dir': 'string', cluster: 'string', json: 'boolean', name: 'string', cpu: 'number', memory: 'number', env: 'list', port: 'list',
      count: 'number', spot: 'boolean', exec: 'boolean', subnets: 'string', 'security-groups': 'string', 'public-ip': 'boolean', detach: 'boolean', 'wait-seconds': 'number',
    },
    aliases: { e: 'env', p: 'port', d: 'detach' },
    positionals: ['IMAGE'], required: 1,
  });
  const out = terminalOutput(flags.json === true);
  const image = positionals[0]!;
  const count = (flags.count as number | undefined) ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`--count must be a whole number from 1, got ${count}`);
  const ports = ((flags.port as string[] | undefined) ?? []).map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--port takes a port number (1-65535), got '${p}'`);
    return n;
  });
  const environment = keyValues(flags.env as string[] | undefined, 'env');
  const c = PierClient.fromDataDir(flags['data-dir'] as string | undefined);
  const cluster = (flags.cluster as string | undefined) ?? 'default';
  const family = (flags.name as string | undefined) ?? familyOf(image);
  const group = `/pier/${family}`;

  out.progress(`registering task definition ${family} for ${image}`);
  const { taskDefinition } = await c.json(ECS, 'RegisterTaskDefinition', {
    family, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
    cpu: String((flags.cpu as number | undefined) ?? 256), memory: String((flags.memory as number | undefined) ?? 512),
    executionRoleArn: await executionRoleArn(c),
    containerDefinitions: [{
      name: 'app', image, essential: true,
      ...(rest.length ? { command: rest } : {}),
      ...(environment.length ? { environment } : {}),
      ...(ports.length ? { portMappings: ports.map((containerPort) => ({ containerPort, protocol: 'tcp' })) } : {}),
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': group, 'awslogs-region': c.region, 'awslogs-stream-prefix': 'pier', 'awslogs-create-group': 'true' } },
    }],
  });
  const networkConfiguration = { awsvpcConfiguration: await awsvpcConfiguration(c, flags as NetworkFlags) };
  if (flags.spot) await ensureSpotCapacity(c, cluster, out);
  const arns: string[] = [];
  for (let left = count; left > 0; left -= RUN_TASK_MAX) {
    const res = await c.json(ECS, 'RunTask', {
      cluster, taskDefinition: taskDefinition.taskDefinitionArn, count: Math.min(left, RUN_TASK_MAX), networkConfiguration,
      ...(flags.spot ? { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] } : { launchType: 'FARGATE' }),
      ...(flags.exec ? { enableExecuteCommand: true } : {}),
    });
    arns.push(...(res.tasks ?? []).map((t: any) => t.taskArn as string));
    if (res.failures?.length) {
      const f = res.failures[0];
      throw new Error(`${arns.length} of ${count} tasks started; Pier refused the rest: ${f.reason}${f.detail ? ` (${f.detail})` : ''}`);
    }
  }
  out.progress(`started ${arns.map(taskId).join(', ')} from ${definitionName(taskDefinition.taskDefinitionArn)}`);
  const tasks = flags.detach ? undefined : await untilRunning(c, cluster, arns, out, ((flags['wait-seconds'] as number | undefined) ?? 300) * 1000);
  if (out.json) return out.printJson({ taskDefinitionArn: taskDefinition.taskDefinitionArn, logGroupName: group, taskArns: arns, ...(tasks ? { tasks } : {}) });
  out.print(table([{ title: 'TASK' }, { title: 'STATUS' }, { title: 'ADDRESS' }], arns.map((arn) => {
    const t = tasks?.find((x) => x.taskArn === arn);
    return [taskId(arn), t?.lastStatus ?? 'PROVISIONING', t ? taskAddress(t) : ''];
  }), out.colour));
  out.print(`logs: pier logs ${taskId(arns[0]!)} -f    stop: pier stop ${arns.map(taskId).join(' ')}`);
}
