/**
 * Runs `pier up` as a real child process on a free port with its own temp data dir, the way a
 * user would, and hands tests the endpoint and credentials it printed and wrote.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCredentials } from '../../src/platform/data-dir.js';

export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..');
export const PIER_MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

export interface PierProcess {
  readonly endpoint: string;
  readonly dataDir: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly child: ChildProcess;
  /** Environment for AWS CLI / SDK child processes pointed at this server. */
  awsEnv(): NodeJS.ProcessEnv;
  /** What the server has printed so far, stdout then stderr. */
  output(): string;
  /** SIGTERM and wait for a clean exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** stop() and remove the data dir. */
  destroy(): Promise<void>;
}

/**
 * `agent: true` runs the real host agent inside `pier up` (root, real sandboxes); by default the
 * control plane runs alone and tests stand in for hosts with TestHost.
 */
export interface StartPierOptions {
  dataDir?: string;
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
  agent?: boolean;
  /** Flags for node itself (benchmarks: --cpu-prof, which NODE_OPTIONS does not allow). */
  nodeArgs?: readonly string[];
  /** Copy the server's stderr to ours as it comes (benchmarks want the server's warnings in their log). */
  echoStderr?: boolean;
  /**
   * Give the default VPC a 10.x.0.0/16 of its own instead of AWS's 172.31.0.0/16: instances whose
   * agents build VPC bridges on one machine at the same time must not hold the same subnets.
   */
  isolatedVpc?: boolean;
}

/** A default VPC block no other test instance on this machine is likely to hold. */
export function isolatedVpcCidr(): string {
  return `10.${64 + Math.floor(Math.random() * 128)}.0.0/16`;
}

export async function startPier(opts: StartPierOptions = {}): Promise<PierProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'pier-test-'));
  const agentArgs = opts.agent ? [] : ['--no-agent'];
  const vpcArgs = opts.isolatedVpc ? ['--default-vpc-cidr', isolatedVpcCidr()] : [];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), PIER_MAIN, 'up', '--data-dir', dataDir, '--port', '0', ...agentArgs, ...vpcArgs, ...(opts.args ?? [])], {
    env: { ...process.env, PIER_LOG_LEVEL: 'warn', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
    if (opts.echoStderr) process.stderr.write(c);
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
  const creds = readCredentials(dataDir);
  if (!creds) throw new Error('pier up wrote no credentials file');
  const region = /region (\S+),/.exec(stdout)?.[1] ?? 'us-east-1';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    return exited;
  };
  return {
    endpoint, dataDir, region, child, stop,
    output: () => `${stdout}${stderr}`,
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
    awsEnv: () => ({
      ...process.env,
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_DEFAULT_REGION: region,
      AWS_REGION: region,
      AWS_PAGER: '',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
    }),
    async destroy(): Promise<void> {
      await stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
