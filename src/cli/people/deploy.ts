/**
 * `pier deploy -f taskdef.json`: registers the task definition (the JSON `aws ecs
 * register-task-definition --cli-input-json` takes) and creates the service or rolls it to the new
 * revision, following its events until the deployment is COMPLETED (or FAILED). With --lb-port
 * the service is put behind an application load balancer listening on that port (made once,
 * named after the service, its target group on the container's first port, draining for 15 s).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { AwsCallError, ECS, PierClient, xmlValues } from '../client/pier-client.js';
import { parseCommandLine, UsageError } from '../args.js';
import { definitionName, describeServices } from './ecs-reads.js';
import { awsvpcConfiguration, type NetworkFlags } from './run.js';
import { executionRoleArn } from './task-roles.js';
import { paint, terminalOutput, type Output } from './terminal.js';

const ELB_VERSION = '2015-12-01';
/** How long a task's target drains before it stops, in target groups `pier deploy` makes. */
export const DRAIN_SECONDS = 15;

function readTaskDefinition(file: string): any {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const def = JSON.parse(text);
    if (typeof def !== 'object' || def === null || Array.isArray(def)) throw new Error('not a JSON object');
    // `aws ecs describe-task-definition` output works too.
    return def.taskDefinition ?? def;
  } catch (err) {
    throw new UsageError(`${file} is not a task definition in JSON (${(err as Error).message})`);
  }
}

/** Only what RegisterTaskDefinition takes: describe output carries read-only fields too. */
const READ_ONLY = ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities', 'registeredAt', 'registeredBy', 'deregisteredAt'];

interface Balancer { targetGroupArn: string; dnsName: string; port: number; containerName: string; containerPort: number }

/** ELBv2 Query calls as the given client. */
const elbCall = (c: PierClient) => (action: string, params: Record<string, string>): Promise<string> => c.query('elasticloadbalancing', ELB_VERSION, action, params);

/** The service's load balancer, target group and listener on `port`: found by name, else made. */
async function loadBalancerFor(c: PierClient, service: string, def: any, port: number, net: Record<string, unknown>, out: Output): Promise<Balancer> {
  const elb = elbCall(c);
  const container = (def.containerDefinitions ?? []).find((k: any) => k.portMappings?.length);
  if (!container) throw new UsageError('--lb-port needs a container with a portMappings entry to send traffic to');
  const containerPort = container.portMappings[0].containerPort as number;
  const name = `pier-${service}`.slice(0, 32).replace(/-+$/, '');
  const subnets = net.subnets as string[];
  const found = async (action: string, params: Record<string, string>): Promise<string | undefined> => {
    try {
      return await elb(action, params);
    } catch (err) {
      if (err instanceof AwsCallError && /NotFound/.test(err.code)) return undefined;
      throw err;
    }
  };
  let lbXml = await found('DescribeLoadBalancers', { 'Names.member.1': name });
  if (!lbXml) {
    out.progress(`creating load balancer ${name}`);
    lbXml = await elb('CreateLoadBalancer', { Name: name, ...Object.fromEntries(subnets.map((s, i) => [`Subnets.member.${i + 1}`, s])) });
  }
  const lbArn = xmlValues(lbXml, 'LoadBalancerArn')[0]!;
  const vpcId = xmlValues(lbXml, 'VpcId')[0]!;
  let tgXml = await found('DescribeTargetGroups', { 'Names.member.1': name });
  if (!tgXml) {
    out.progress(`creating target group ${name} (HTTP ${containerPort}, health check GET /)`);
    tgXml = await elb('CreateTargetGroup', {
      Name: name, Protocol: 'HTTP', Port: String(containerPort), VpcId: vpcId, TargetType: 'ip',
      HealthCheckIntervalSeconds: '5', HealthCheckTimeoutSeconds: '2', HealthyThresholdCount: '2',
    });
    // ALB's default 300 s of draining makes every deploy take five minutes; Copilot-like tools shorten it too.
    await elb('ModifyTargetGroupAttributes', {
      TargetGroupArn: xmlValues(tgXml, 'TargetGroupArn')[0]!,
      'Attributes.member.1.Key': 'deregistration_delay.timeout_seconds', 'Attributes.member.1.Value': String(DRAIN_SECONDS),
    });
  }
  const targetGroupArn = xmlValues(tgXml, 'TargetGroupArn')[0]!;
  const listeners = await elb('DescribeListeners', { LoadBalancerArn: lbArn });
  if (!xmlValues(listeners, 'Port').includes(String(port))) {
    out.progress(`listening on port ${port}`);
    await elb('CreateListener', {
      LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: String(port),
      'DefaultActions.member.1.Type': 'forward', 'DefaultActions.member.1.TargetGroupArn': targetGroupArn,
    });
  }
  return { targetGroupArn, dnsName: xmlValues(lbXml, 'DNSName')[0]!, port, containerName: container.name, containerPort };
}

export async function deploy(argv: string[]): Promise<void> {
  const { flags } = parseCommandLine(argv, {
    flags: {
      'data-dir': 'string', cluster: 'string', json: 'boolean', file: 'string', service: 'string', count: 'number', 'lb-port': 'number', exec: 'boolean',
      subnets: 'string', 'security-groups': 'string', 'public-ip': 'boolean', detach: 'boolean', 'wait-seconds': 'number',
    },
    aliases: { f: 'file', d: 'detach' },
  });
  if (!flags.file) throw new UsageError('pier deploy needs -f TASKDEF.json (the JSON of aws ecs register-task-definition --cli-input-json)');
  const count = flags.count as number | undefined;
  if (count !== undefined && (!Number.isInteger(count) || count < 0)) throw new UsageError(`--count must be a whole number, got ${count}`);
  const lbPort = flags['lb-port'] as number | undefined;
  if (lbPort !== undefined && (!Number.isInteger(lbPort) || lbPort < 1 || lbPort > 65535)) throw new UsageError(`--lb-port takes a port number (1-65535), got ${lbPort}`);
  const out = terminalOutput(flags.json === true);
  const input = readTaskDefinition(flags.file as string);
  for (const k of READ_ONLY) delete input[k];
  const c = PierClient.fromDataDir(flags['data-dir'] as string | undefined);
  const cluster = (flags.cluster as string | undefined) ?? 'default';
  if (!input.executionRoleArn && (input.containerDefinitions ?? []).some((k: any) => k.logConfiguration?.logDriver === 'awslogs')) {
    input.executionRoleArn = await executionRoleArn(c);
    out.progress(`awslogs needs an execution role: using ${input.executionRoleArn}`);
  }
  const { taskDefinition } = await c.json(ECS, 'RegisterTaskDefinition', input);
  const revision = definitionName(taskDefinition.taskDefinitionArn);
  out.progress(`registered ${revision}`);
  const name = (flags.service as string | undefined) ?? taskDefinition.family as string;
  const [existing] = (await describeServices(c, cluster, [name])).filter((s) => s.status === 'ACTIVE');
  const net = await awsvpcConfiguration(c, flags as NetworkFlags);
  const lb = lbPort === undefined ? undefined : await loadBalancerFor(c, name, taskDefinition, lbPort, net, out);
  const loadBalancers = lb ? [{ targetGroupArn: lb.targetGroupArn, containerName: lb.containerName, containerPort: lb.containerPort }] : undefined;
  let deploymentId: string;
  const since = Date.now() / 1000 - 1;
  if (existing) {
    const { service } = await c.json(ECS, 'UpdateService', {
      cluster, service: name, taskDefinition: taskDefinition.taskDefinitionArn,
      ...(count !== undefined ? { desiredCount: count } : {}), ...(loadBalancers ? { loadBalancers } : {}),
      ...(flags.exec ? { enableExecuteCommand: true } : {}),
    });
    deploymentId = service.deployments.find((d: any) => d.status === 'PRIMARY').id;
    out.progress(`updating service ${name} to ${revision}`);
  } else {
    const { service } = await c.json(ECS, 'CreateService', {
      cluster, serviceName: name, taskDefinition: taskDefinition.taskDefinitionArn, desiredCount: count ?? 1, launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: net }, ...(loadBalancers ? { loadBalancers } : {}),
      ...(flags.exec ? { enableExecuteCommand: true } : {}),
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    });
    deploymentId = service.deployments[0].id;
    out.progress(`creating service ${name} with ${service.desiredCount} tasks of ${revision}`);
  }
  const service = flags.detach ? (await describeServices(c, cluster, [name]))[0] : await untilSettled(c, cluster, name, deploymentId, since, out, ((flags['wait-seconds'] as number | undefined) ?? 600) * 1000);
  const url = lb ? `http://${lb.dnsName}:${lb.port}/` : (await urlsOf(c, service))[0];
  if (out.json) return out.printJson({ service, taskDefinitionArn: taskDefinition.taskDefinitionArn, ...(url ? { url } : {}) });
  out.print(`${name}: ${revision}, ${service.runningCount} of ${service.desiredCount} tasks running${url ? `, at ${paint(out.colour, 'bold', url)}` : ''}`);
}

/** http://DNS:PORT/ of every listener of the load balancers in front of the service's target groups. */
async function urlsOf(c: PierClient, service: any): Promise<string[]> {
  const elb = elbCall(c);
  const urls: string[] = [];
  for (const { targetGroupArn } of service.loadBalancers ?? []) {
    const tg = await elb('DescribeTargetGroups', { 'TargetGroupArns.member.1': targetGroupArn });
    for (const lbArn of xmlValues(tg, 'member').filter((v) => v.includes(':loadbalancer/'))) {
      const dns = xmlValues(await elb('DescribeLoadBalancers', { 'LoadBalancerArns.member.1': lbArn }), 'DNSName')[0];
      for (const port of xmlValues(await elb('DescribeListeners', { LoadBalancerArn: lbArn }), 'Port')) urls.push(`http://${dns}:${port}/`);
    }
  }
  return urls;
}

/** Follows the service's events (as progress) until the deployment completes; a FAILED one is an error with its reason. */
async function untilSettled(c: PierClient, cluster: string, name: string, deploymentId: string, sinceSeconds: number, out: Output, timeoutMs: number): Promise<any> {
  const shown = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [s] = await describeServices(c, cluster, [name]);
    for (const e of [...(s.events ?? [])].reverse()) {
      if (e.createdAt >= sinceSeconds && !shown.has(e.id)) {
        shown.add(e.id);
        out.progress(e.message);
      }
    }
    const d = (s.deployments ?? []).find((x: any) => x.id === deploymentId);
    if (d?.rolloutState === 'COMPLETED' || (!d && s.deployments?.length === 1 && s.deployments[0].rolloutState === 'COMPLETED')) return s;
    if (d?.rolloutState === 'FAILED') throw new Error(`deployment ${deploymentId} of ${name} FAILED: ${d.rolloutStateReason ?? 'no reason given'}; 'pier ps --all --service ${name}' shows the stopped tasks`);
    if (Date.now() > deadline) throw new Error(`deployment ${deploymentId} of ${name} still ${d?.rolloutState ?? 'unknown'} after ${Math.round(timeoutMs / 1000)} s; 'pier services' shows where it is`);
    await sleep(1000);
  }
}
