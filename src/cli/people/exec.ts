/**
 * `pier exec TASK [--container C] [-- CMD...]`: runs a command in a task's container through ECS
 * Exec (ExecuteCommand, then the session's stream), with a terminal when this one is a terminal.
 * Exits with the command's exit status (docs/exec.md).
 */
import { joinCommand } from '../../protocol/exec-command.js';
import { EXEC_UPGRADE } from '../../protocol/exec-stream.js';
import { dialUpgrade, UpgradeRefused } from '../../lib/http-upgrade.js';
import { AwsCallError, ECS, PierClient } from '../client/pier-client.js';
import { parseCommandLine, UsageError } from '../args.js';
import { resolveTask } from './ecs-reads.js';
import { bridgeSession } from './exec-session.js';

/** What runs when no command is given: a shell, as `aws ecs execute-command --command /bin/sh` does. */
const DEFAULT_COMMAND = ['/bin/sh'];

export async function exec(argv: string[]): Promise<void> {
  const { flags, positionals, rest } = parseCommandLine(argv, {
    flags: { 'data-dir': 'string', cluster: 'string', container: 'string', tty: 'boolean', 'no-tty': 'boolean' },
    aliases: { t: 'tty', T: 'no-tty' },
    positionals: ['TASK'], required: 1,
  });
  if (flags.tty && flags['no-tty']) throw new UsageError('--tty and --no-tty cannot go together');
  const tty = flags.tty === true || (!flags['no-tty'] && process.stdin.isTTY === true && process.stdout.isTTY === true);
  const c = PierClient.fromDataDir(flags['data-dir'] as string | undefined);
  const cluster = (flags.cluster as string | undefined) ?? 'default';
  const task = await resolveTask(c, cluster, positionals[0]!);
  const started = await c.json(ECS, 'ExecuteCommand', {
    cluster, task: task.taskArn, command: joinCommand(rest.length ? rest : DEFAULT_COMMAND), interactive: true,
    ...(flags.container ? { container: flags.container } : {}),
  }).catch((err: unknown) => {
    if (err instanceof AwsCallError && task.enableExecuteCommand === false) {
      throw new AwsCallError(err.operation, err.code, `${err.message}\n  ECS Exec is set when a task starts: run it with \`pier run --exec\` `
        + '(aws ecs run-task --enable-execute-command), or for a service `pier deploy --exec` (aws ecs update-service --enable-execute-command --force-new-deployment).');
    }
    throw err;
  });
  const socket = await attach(c, started.session, tty);
  const end = await bridgeSession(socket, { tty, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
  if ('error' in end) throw new Error(end.error);
  await exitWith(end.exitCode);
}

/** Opens the session's stream on this client's endpoint, signed like every call, with the session's token. */
export async function attach(c: PierClient, session: { sessionId: string; streamUrl: string; tokenValue: string }, tty: boolean): Promise<import('node:stream').Duplex> {
  const path = new URL(session.streamUrl).pathname;
  const headers = c.signedHeaders('ecs', 'GET', path, {
    'x-pier-exec-token': session.tokenValue, 'x-pier-exec-tty': tty ? '1' : '0',
    'x-pier-exec-rows': String(process.stdout.rows ?? 0), 'x-pier-exec-cols': String(process.stdout.columns ?? 0),
    ...(tty && process.env.TERM ? { 'x-pier-exec-term': process.env.TERM } : {}),
  });
  try {
    return await dialUpgrade(new URL(path, c.endpoint), EXEC_UPGRADE, headers);
  } catch (err) {
    if (!(err instanceof UpgradeRefused)) throw err;
    let reason = err.body;
    try {
      const e = JSON.parse(err.body) as { code?: string; message?: string };
      reason = `${e.code}: ${e.message}`;
    } catch { /* not JSON: keep the text */ }
    throw new Error(`could not attach to exec session ${session.sessionId} (HTTP ${err.status}): ${reason}`);
  }
}

/** Exits with the command's status once what it printed has been written out. */
export function exitWith(code: number): Promise<never> {
  return new Promise(() => {
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  });
}
