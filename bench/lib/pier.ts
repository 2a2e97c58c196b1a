/**
 * `pier up` as a real child process for benchmarks: the tests' startPier, with node flags
 * (e.g. --cpu-prof) and the server's stderr echoed into the benchmark's log. Benchmarks pass the
 * pier flags they need themselves (the control-plane benchmark runs with --no-agent).
 */
import type { ChildProcess } from 'node:child_process';
import { startPier } from '../../test/helpers/pier-process.js';

export interface PierServer {
  readonly endpoint: string;
  readonly region: string;
  readonly dataDir: string;
  readonly pid: number;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly child: ChildProcess;
  /** SIGTERM, wait for the clean exit (which also writes a --cpu-prof profile). */
  stop(): Promise<number | null>;
}

export async function startPierServer(opts: { dataDir: string; nodeArgs?: readonly string[]; pierArgs?: readonly string[] }): Promise<PierServer> {
  const p = await startPier({
    dataDir: opts.dataDir, agent: true, echoStderr: true, isolatedVpc: true,
    ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}),
    ...(opts.pierArgs ? { args: opts.pierArgs } : {}),
    env: { PIER_LOG_LEVEL: process.env.PIER_LOG_LEVEL ?? 'warn' },
  });
  return {
    endpoint: p.endpoint, region: p.region, dataDir: p.dataDir, pid: p.child.pid!, child: p.child,
    accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, stop: () => p.stop(),
  };
}
