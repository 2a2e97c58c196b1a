/**
 * The spawner helper's main (see spawner.ts): reads requests, one JSON line each, from stdin, runs
 * them with spawn-local.ts and writes one JSON reply line each to stdout. Exits when stdin closes.
 * Ignores SIGINT and SIGTERM: a Ctrl-C reaches the whole process group, and the agent may still
 * need its commands while it shuts down; the helper goes when the agent does.
 */
import { detachLocal, runLocal } from './spawn-local.js';
import type { SpawnReply, SpawnRequest } from './spawner.js';

process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);

const reply = (r: SpawnReply): void => {
  process.stdout.write(`${JSON.stringify(r)}\n`);
};
process.stdout.on('error', () => process.exit(0)); // the agent is gone

async function handle(req: SpawnRequest): Promise<void> {
  try {
    if (req.op === 'detach') {
      reply({ id: req.id, pid: await detachLocal(req.argv, req.opts) });
      return;
    }
    const { argv: _argv, spawnError, ...result } = await runLocal(req.argv, req.opts);
    reply({ id: req.id, result: { ...result, ...(spawnError ? { spawnError: spawnError.message } : {}) } });
  } catch (err) {
    reply({ id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
}

let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffered += chunk;
  let nl: number;
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    let req: SpawnRequest;
    try {
      req = JSON.parse(line) as SpawnRequest;
    } catch {
      continue;
    }
    void handle(req);
  }
});
process.stdin.on('end', () => process.exit(0));
