/** `pier ps` and `pier services`: what runs, as a table or JSON. */
import { PierClient } from '../client/pier-client.js';
import { parseCommandLine } from '../args.js';
import { definitionName, describeServices, describeTasks, listAll, taskAddress, taskId } from './ecs-reads.js';
import { ago, statusStyle, table, terminalOutput } from './terminal.js';

const COMMON = { 'data-dir': 'string', cluster: 'string', json: 'boolean' } as const;
const secondsToMs = (s: number | undefined): number | undefined => (s === undefined ? undefined : s * 1000);

export async function ps(argv: string[]): Promise<void> {
  const { flags } = parseCommandLine(argv, { flags: { ...COMMON, all: 'boolean', service: 'string' }, aliases: { a: 'all' } });
  const out = terminalOutput(flags.json === true);
  const c = PierClient.fromDataDir(flags['data-dir'] as string | undefined);
  const cluster = (flags.cluster as string | undefined) ?? 'default';
  const filter = flags.service ? { serviceName: flags.service } : {};
  const arns = await listAll(c, 'ListTasks', { cluster, desiredStatus: 'RUNNING', ...filter }, 'taskArns');
  if (flags.all) arns.push(...await listAll(c, 'ListTasks', { cluster, desiredStatus: 'STOPPED', ...filter }, 'taskArns'));
  const tasks = (await describeTasks(c, cluster, arns)).sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  if (out.json) return out.printJson({ tasks });
  if (tasks.length === 0) return out.print(`no ${flags.all ? '' : 'running '}tasks in cluster ${cluster}${flags.all ? '' : " (--all shows stopped ones)"}`);
  out.print(table([
    { title: 'TASK' }, { title: 'DEFINITION' }, { title: 'STATUS' }, { title: 'HEALTH' }, { title: 'ADDRESS' },
    { title: 'CAPACITY' }, { title: 'GROUP' }, { title: 'CREATED' }, { title: 'STOPPED REASON' },
  ], tasks.map((t) => [
    taskId(t.taskArn), definitionName(t.taskDefinitionArn),
    { text: t.lastStatus, style: statusStyle(t.lastStatus) },
    { text: t.healthStatus === 'UNKNOWN' ? '' : t.healthStatus ?? '', style: statusStyle(t.healthStatus) },
    taskAddress(t), t.capacityProviderName ?? t.launchType ?? '', t.group ?? '',
    t.createdAt ? ago(secondsToMs(t.createdAt)!) : '', t.stoppedReason ?? '',
  ]), out.colour));
}

export async function services(argv: string[]): Promise<void> {
  const { flags } = parseCommandLine(argv, { flags: COMMON });
  const out = terminalOutput(flags.json === true);
  const c = PierClient.fromDataDir(flags['data-dir'] as string | undefined);
  const cluster = (flags.cluster as string | undefined) ?? 'default';
  const list = await describeServices(c, cluster, await listAll(c, 'ListServices', { cluster }, 'serviceArns'));
  if (out.json) return out.printJson({ services: list });
  if (list.length === 0) return out.print(`no services in cluster ${cluster}: 'pier deploy -f taskdef.json --service NAME' makes one`);
  out.print(table([
    { title: 'SERVICE' }, { title: 'STATUS' }, { title: 'DEFINITION' }, { title: 'DESIRED', right: true }, { title: 'RUNNING', right: true },
    { title: 'PENDING', right: true }, { title: 'ROLLOUT' }, { title: 'LAST EVENT' },
  ], list.map((s) => {
    const primary = (s.deployments ?? []).find((d: any) => d.status === 'PRIMARY');
    return [
      s.serviceName, { text: s.status, style: statusStyle(s.status) }, definitionName(s.taskDefinition ?? ''),
      String(s.desiredCount), String(s.runningCount), String(s.pendingCount),
      { text: primary?.rolloutState ?? '', style: statusStyle(primary?.rolloutState) },
      s.events?.[0] ? `${ago(secondsToMs(s.events[0].createdAt)!)}: ${s.events[0].message}` : '',
    ];
  }), out.colour));
}
