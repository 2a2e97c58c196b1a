/** `pier stop` and `pier scale`: the two everyday changes, each waiting until it has happened. */
import { setTimeout as sleep } from 'node:timers/promises';
import { ECS, PierClient } from '../client/pier-client.js';
import { parseCommandLine, UsageError } from '../args.js';
import { describeServices, describeTasks, resolveTask, taskId } from './ecs-reads.js';
import { terminalOutput } from './terminal.js';


export async function stop(argv: string[]): Promise<void> {
  const { flags, positionals } = parseCommandLine(argv, {
    flags: { 'data-dir': 'string', cluster: 'string', json: 'boolean', reason: 'string', detach: 'boolean' },
    aliases: { d: 'detach' }, positionals: ['TASK...'], required: 1,
  });
  const out = terminalOutput(flags.json === true);
  const c = PierClient.fromDataDir(flags['data-dir'] as string | undefined);
  const cluster = (flags.cluster as string | undefined) ?? 'default';
  const tasks = [];
  for (const ref of positionals) tasks.push(await resolveTask(c, cluster, ref));
  const reason = (flags.reason as string | undefined) ?? 'Stopped with pier stop';
  for (const t of tasks) {
    if (t.desiredStatus !== 'STOPPED') await c.json(ECS, 'StopTask', { cluster, task: t.taskArn, reason });
    out.progress(`stopping ${taskId(t.taskArn)}`, true);
  }
  let stopped = tasks;
  if (!flags.detach) {
    for (;;) {
      stopped = await describeTasks(c, cluster, tasks.map((t) => t.taskArn));
      if (stopped.every((t) => t.lastStatus === 'STOPPED')) break;
      await sleep(500);
    }
  }
  if (out.json) return out.printJson({ tasks: stopped });
  for (const t of stopped) out.print(`${taskId(t.taskArn)} ${t.lastStatus}${t.stoppedReason ? `: ${t.stoppedReason}` : ''}`);
}

export async function scale(argv: string[]): Promise<void> {
  const { flags, positionals } = parseCommandLine(argv, {
    flags: { 'data-dir': 'string', cluster: 'string', json: 'boolean', detach: 'boolean', 'wait-seconds': 'number' },
    aliases: { d: 'detach' }, positionals: ['SERVICE', 'COUNT'], required: 2,
  });
  const out = terminalOutput(flags.json === true);
  const [name, countText] = positionals as [string, string];
  const count = Number(countText);
  if (!/^\d+$/.test(countText)) throw new UsageError(`COUNT must be a whole number, got '${countText}'`);
  const c = PierClient.fromDataDir(flags['data-dir'] as string | undefined);
  const cluster = (flags.cluster as string | undefined) ?? 'default';
  let { service } = await c.json(ECS, 'UpdateService', { cluster, service: name, desiredCount: count });
  out.progress(`${name}: desired count ${count}`);
  const deadline = Date.now() + ((flags['wait-seconds'] as number | undefined) ?? 300) * 1000;
  let last = '';
  while (!flags.detach && !(service.runningCount === count && service.pendingCount === 0)) {
    if (Date.now() > deadline) throw new Error(`${name} has ${service.runningCount} of ${count} tasks running; 'pier services' and 'pier ps --service ${name}' show why`);
    await sleep(500);
    [service] = await describeServices(c, cluster, [name]);
    const now = `${name}: running ${service.runningCount}, pending ${service.pendingCount}, desired ${service.desiredCount}`;
    if (now !== last) out.progress((last = now));
  }
  if (out.json) return out.printJson({ service });
  out.print(`${name}: ${service.runningCount} running of ${service.desiredCount} desired`);
}
