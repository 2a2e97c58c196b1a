/**
 * `pier up` as a real child process for benchmarks, like test/helpers/pier-process.ts but able to
 * pass node flags (e.g. --cpu-prof, which NODE_OPTIONS does not allow) to the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCredentials } from '../../src/platform/data-dir.js';

/** dist/bench/lib/pier.js -> repository root. */
export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..');
export const PIER_MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

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
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), PIER_MAIN, 'up', '--data-dir', opts.dataDir, '--port', '0', ...(opts.pierArgs ?? [])], {
    env: { ...process.env, PIER_LOG_LEVEL: process.env.PIER_LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
    process.stderr.write(c); // warnings and errors from the server belong in the benchmark's log
  });
  const endpoint = await new Promise<string>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`pier up did not become ready in 30 s:\n${stdout}\n${stderr}`)), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
      const m = /pier: ready at (http:\/\/\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolveReady(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pier up exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
  const creds = readCredentials(opts.dataDir);
  if (!creds) throw new Error(`pier up wrote no credentials file in ${opts.dataDir}`);
  const region = /region (\S+),/.exec(stdout)?.[1] ?? 'us-east-1';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    endpoint, region, dataDir: opts.dataDir, pid: child.pid!, child, ...creds,
    async stop(): Promise<number | null> {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
  };
}
