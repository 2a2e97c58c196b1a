/** `pier spot interrupt`: the operator's Fargate Spot drill (src/control-plane/spot-interruptions.ts). */
import { adminCall, errorMessage } from './admin-call.js';
import { parseFlags, UsageError } from './args.js';

export async function spot(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'interrupt') throw new UsageError(`pier spot: unknown subcommand '${sub ?? ''}' (try: pier spot interrupt --cluster C --count N | --task ID)`);
  const tasks: string[] = [];
  const flags: string[] = [];
  // --task may repeat; the flag parser keeps one value per name.
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--task') {
      const v = rest[++i];
      if (v === undefined) throw new UsageError('--task needs a task id or ARN');
      tasks.push(v);
    } else {
      flags.push(rest[i]!);
    }
  }
  const f = parseFlags(flags, { 'data-dir': 'string', cluster: 'string', count: 'number', json: 'boolean' });
  if (tasks.length && f.count !== undefined) throw new UsageError('give --task or --count, not both');
  const body = {
    ...(f.cluster !== undefined ? { cluster: f.cluster } : {}),
    ...(tasks.length ? { tasks } : {}),
    ...(f.count !== undefined ? { count: f.count } : {}),
  };
  const { status, text } = await adminCall(f['data-dir'] as string | undefined, '/_pier/spot/interrupt', body);
  if (status !== 200) throw new Error(`spot interrupt failed (${status}): ${errorMessage(text)}`);
  const { taskArns } = JSON.parse(text) as { taskArns: string[] };
  if (f.json) {
    process.stdout.write(`${JSON.stringify({ taskArns })}\n`);
  } else if (taskArns.length === 0) {
    process.stdout.write('pier: no running Fargate Spot task to interrupt\n');
  } else {
    for (const arn of taskArns) process.stdout.write(`pier: interrupted ${arn}\n`);
  }
}
