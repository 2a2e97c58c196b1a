/**
 * `pier logs TASK|SERVICE [-f]`: the CloudWatch Logs streams the awslogs driver writes for a task's
 * containers (or for every task of a service), oldest first; with --follow, new lines as they are
 * stored, tasks the service starts meanwhile included.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AwsCallError, ECS, LOGS, PierClient } from '../client/pier-client.js';
import { parseCommandLine, UsageError } from '../args.js';
import { describeServices, describeTasks, listAll, resolveTask, taskId } from './ecs-reads.js';
import { paint, terminalOutput } from './terminal.js';


export interface LogSource { readonly group: string; readonly stream: string; readonly label: string }

/** Where awslogs puts a container's lines: `prefix/container/task-id`, or the task id alone without a prefix. */
export function streamsOfTask(task: { taskArn: string }, definition: any, container: string | undefined): LogSource[] {
  const id = taskId(task.taskArn);
  return (definition.containerDefinitions ?? [])
    .filter((k: any) => k.logConfiguration?.logDriver === 'awslogs' && (!container || k.name === container))
    .map((k: any) => {
      const o = k.logConfiguration.options ?? {};
      const prefix = o['awslogs-stream-prefix'];
      return { group: o['awslogs-group'], stream: prefix ? `${prefix}/${k.name}/${id}` : id, label: `${id.slice(0, 8)}/${k.name}` };
    });
}

/** "10m", "2h", "1d", "30s" before now, or an ISO time; epoch ms. */
export function sinceMs(text: string, nowMs = Date.now()): number {
  const m = /^(\d+)([smhd])$/.exec(text);
  if (m) return nowMs - Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`--since takes a duration (30s, 10m, 2h, 1d) or an ISO time, got '${text}'`);
  return t;
}

export async function logs(argv: string[]): Promise<void> {
  const { flags, positionals } = parseCommandLine(argv, {
    flags: { 'data-dir': 'string', cluster: 'string', json: 'boolean', follow: 'boolean', since: 'string', container: 'string' },
    aliases: { f: 'follow' }, positionals: ['TASK|SERVICE'], required: 1,
  });
  const out = terminalOutput(flags.json === true);
  const c = PierClient.fromDataDir(flags['data-dir'] as string | undefined);
  const cluster = (flags.cluster as string | undefined) ?? 'default';
  const ref = positionals[0]!;
  const container = flags.container as string | undefined;
  const [service] = (await describeServices(c, cluster, [ref])).filter((s) => s.status !== 'INACTIVE');
  const definitions = new Map<string, any>();
  const definitionOf = async (arn: string): Promise<any> => {
    if (!definitions.has(arn)) definitions.set(arn, (await c.json(ECS, 'DescribeTaskDefinition', { taskDefinition: arn })).taskDefinition);
    return definitions.get(arn);
  };
  const sources = async (): Promise<LogSource[]> => {
    const tasks = service
      ? await describeTasks(c, cluster, [
        ...await listAll(c, 'ListTasks', { cluster, serviceName: service.serviceName, desiredStatus: 'RUNNING' }, 'taskArns'),
        ...await listAll(c, 'ListTasks', { cluster, serviceName: service.serviceName, desiredStatus: 'STOPPED' }, 'taskArns'),
      ])
      : [await resolveTask(c, cluster, ref)];
    const found: LogSource[] = [];
    for (const t of tasks) found.push(...streamsOfTask(t, await definitionOf(t.taskDefinitionArn), container));
    return found;
  };
  let from = flags.since ? sinceMs(flags.since as string) : service ? Date.now() - 3_600_000 : 0;
  const seen = new Set<string>();
  let known = await sources();
  if (known.length === 0 && !flags.follow) {
    throw new Error(`${service ? `service ${ref}'s tasks send` : `task ${ref} sends`} no output to CloudWatch Logs (no container${container ? ` '${container}'` : ''} with the awslogs log driver)`);
  }
  const several = new Set(known.map((s) => s.label)).size > 1 || !!service;
  for (;;) {
    let newest = from;
    for (const [group, list] of groupBy(known)) {
      for (let i = 0; i < list.length; i += 100) {
        const byStream = new Map(list.slice(i, i + 100).map((s) => [s.stream, s.label]));
        for (const e of await filterAll(c, group, [...byStream.keys()], from)) {
          if (seen.has(e.eventId)) continue;
          seen.add(e.eventId);
          newest = Math.max(newest, e.timestamp);
          if (out.json) process.stdout.write(`${JSON.stringify({ timestamp: e.timestamp, source: byStream.get(e.logStreamName), logStreamName: e.logStreamName, message: e.message })}\n`);
          else out.print(several ? `${paint(out.colour, 'cyan', byStream.get(e.logStreamName) ?? e.logStreamName)} ${e.message}` : e.message);
        }
      }
    }
    if (!flags.follow) return;
    // Lines of one millisecond may arrive in two pages: read again from the newest one, skipping those seen.
    from = newest;
    await sleep(1000);
    known = await sources();
  }
}

function groupBy(sources: readonly LogSource[]): Map<string, LogSource[]> {
  const m = new Map<string, LogSource[]>();
  for (const s of sources) m.set(s.group, [...(m.get(s.group) ?? []), s]);
  return m;
}

/** Every event of the streams from `fromMs` on, in time order; a stream not made yet has none. */
async function filterAll(c: PierClient, group: string, streams: string[], fromMs: number): Promise<any[]> {
  const events: any[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await c.json(LOGS, 'FilterLogEvents', { logGroupName: group, logStreamNames: streams, startTime: fromMs, ...(nextToken ? { nextToken } : {}) });
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (err) {
    if (err instanceof AwsCallError && err.code === 'ResourceNotFoundException') return [];
    throw err;
  }
  return events.sort((a, b) => a.timestamp - b.timestamp);
}
