/**
 * Runs the real AWS CLI against a Pier endpoint. Two CLIs are tested where present: Debian's
 * awscli package (AWS CLI v2, /usr/bin/aws) and the `aws` first on PATH when it is a different
 * program (here AWS CLI v1 with a recent botocore).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { daemonDisabled, runThroughDaemon } from './aws-cli-daemon.js';

export interface AwsCli { readonly name: string; readonly path: string; readonly version: string }

export function availableClis(): AwsCli[] {
  const out: AwsCli[] = [];
  const seen = new Set<string>();
  const candidates = ['/usr/bin/aws'];
  try {
    candidates.push(execFileSync('bash', ['-lc', 'command -v aws'], { encoding: 'utf8' }).trim());
  } catch {
    // no aws on PATH
  }
  for (const path of candidates) {
    if (!path) continue;
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      continue;
    }
    const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    const version = (r.stdout || r.stderr).trim();
    const key = `${real}|${version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ name: /aws-cli\/2/.test(version) ? 'aws-cli-v2' : 'aws-cli-v1', path, version });
  }
  return out;
}

export interface CliResult { status: number; stdout: string; stderr: string; json: any }

/** One CLI call (through the CLI's long-lived server: aws-cli-daemon.ts). */
export function runAws(cli: AwsCli, endpoint: string, env: NodeJS.ProcessEnv, args: string[]): CliResult {
  const argv = ['--endpoint-url', endpoint, '--output', 'json', ...args];
  const r = daemonDisabled()
    ? spawnSync(cli.path, argv, { env, encoding: 'utf8', timeout: 120_000 })
    : runThroughDaemon(cli.path, argv, env);
  let json: unknown;
  try {
    json = r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}
