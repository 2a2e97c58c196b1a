/**
 * Shared pieces of the AWS CLI end-to-end suites (test/e2e/aws-cli-*.test.ts): which CLIs to
 * drive, a runner that asserts success or the exact error line the CLI prints, timestamp checks
 * for each CLI's rendering, and task definition inputs. Run as a test file of its own it checks
 * that the CLIs the suites rely on are installed, so a missing CLI fails loudly once.
 */
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { availableClis, runAws, type AwsCli, type CliResult } from '../helpers/aws-cli.js';
import type { PierProcess } from '../helpers/pier-process.js';

export const IMAGE = 'public.ecr.aws/docker/library/nginx:latest';

const CLIS = availableClis();

/** Where the suites' tasks go: the default VPC that every Pier has from its first start. */
export interface DefaultNetwork {
  /** The default subnets, one per zone, in zone order. */
  subnets: string[];
  securityGroup: string;
  /** --network-configuration in the CLI's shorthand syntax, naming all of them. */
  shorthand: string;
}

/** Looks the default VPC's subnets and `default` security group up the way a user would. */
export function defaultNetwork(aws: Aws): DefaultNetwork {
  const subnets = (aws.ok(['describe-subnets', '--filters', 'Name=default-for-az,Values=true'], 'ec2').Subnets as { SubnetId: string; AvailabilityZone: string }[])
    .sort((a, b) => a.AvailabilityZone.localeCompare(b.AvailabilityZone)).map((s) => s.SubnetId);
  assert.ok(subnets.length > 0, 'the default VPC has default subnets');
  const vpc = (aws.ok(['describe-vpcs', '--filters', 'Name=is-default,Values=true'], 'ec2').Vpcs as { VpcId: string }[])[0]!.VpcId;
  const groups = aws.ok(['describe-security-groups', '--filters', 'Name=group-name,Values=default', `Name=vpc-id,Values=${vpc}`], 'ec2').SecurityGroups as { GroupId: string }[];
  const securityGroup = groups[0]!.GroupId;
  return { subnets, securityGroup, shorthand: `awsvpcConfiguration={subnets=[${subnets.join(',')}],securityGroups=[${securityGroup}]}` };
}

/** Debian's AWS CLI v2 at /usr/bin/aws; every suite needs it, so its absence fails the suite. */
export function debianCli(): AwsCli {
  const cli = CLIS.find((c) => c.path === '/usr/bin/aws');
  assert.ok(cli, `the Debian AWS CLI v2 must be installed at /usr/bin/aws (found: ${JSON.stringify(CLIS)})`);
  assert.equal(cli.name, 'aws-cli-v2', `/usr/bin/aws must be AWS CLI v2, it reports: ${cli.version}`);
  return cli;
}

/**
 * `test` for cases only AWS CLI v2 runs: where v1 and v2 speak the same protocol (EC2, IAM, Logs),
 * cases about Pier itself (restarts, `pier reset`, retention) rather than about what the CLI
 * sends and reads need not run twice.
 */
export function v2Only(cli: AwsCli): typeof test {
  return cli.name === 'aws-cli-v2' ? test : (((): void => undefined) as unknown as typeof test);
}

/** The AWS CLI v1 first on PATH, when there is one. */
export function v1Cli(): AwsCli | undefined {
  return CLIS.find((c) => c.name === 'aws-cli-v1');
}

export interface Waiting {
  /** True while the CLI process has not exited. */
  running(): boolean;
  /** Ends the CLI process if it is still running (cleanup when a test fails early). */
  kill(): void;
  done: Promise<{ status: number | null; stdout: string; stderr: string; ms: number }>;
}

/** Drives one CLI against one Pier process (`pier` is replaced after a restart). */
export class Aws {
  constructor(readonly cli: AwsCli, public pier: PierProcess) {}

  get isV2(): boolean {
    return this.cli.name === 'aws-cli-v2';
  }

  /** Exit status for a service error: AWS CLI v2 uses 254, v1 255. */
  get serviceErrorStatus(): number {
    return this.isV2 ? 254 : 255;
  }

  run(args: string[]): CliResult {
    return runAws(this.cli, this.pier.endpoint, this.pier.awsEnv(), args);
  }

  /** Runs `aws <service> <args>` (ecs by default), asserts exit 0 and returns the parsed JSON output ({} when none). */
  ok(args: string[], service = 'ecs'): any {
    const r = this.run([service, ...args]);
    assert.equal(r.status, 0, `${this.cli.name}: aws ${service} ${args.join(' ')} exited ${r.status}\n${r.stderr}${r.stdout}`);
    return r.json ?? {};
  }

  /**
   * Runs `aws <service> <args>` (ecs by default) expecting a service error: the CLI's service-error
   * exit status, nothing on stdout, and `An error occurred (<code>) when calling the <op> operation:
   * <message>` on stderr.
   */
  fail(args: string[], code: string, op: string, message: string | RegExp, service = 'ecs'): string {
    const r = this.run([service, ...args]);
    const what = `${this.cli.name}: aws ${service} ${args.join(' ')}`;
    assert.equal(r.status, this.serviceErrorStatus, `${what} exited ${r.status}, expected ${this.serviceErrorStatus}\n${r.stderr}${r.stdout}`);
    assert.equal(r.stdout.trim(), '', `${what} printed output on failure`);
    const line = r.stderr.split('\n').find((l) => l.startsWith('An error occurred'));
    assert.ok(line, `${what}: no error line in stderr:\n${r.stderr}`);
    const prefix = `An error occurred (${code}) when calling the ${op} operation: `;
    assert.ok(line.startsWith(prefix), `${what}: expected "${prefix}...", got "${line}"`);
    const text = line.slice(prefix.length);
    if (typeof message === 'string') assert.equal(text, message, `${what}: wrong message`);
    else assert.match(text, message, `${what}: wrong message`);
    return text;
  }

  /** Starts `aws ecs <args>` without waiting for it (waiters run while the test host reports). */
  start(args: string[]): Waiting {
    const started = Date.now();
    const child = spawn(this.cli.path, ['--endpoint-url', this.pier.endpoint, '--output', 'json', 'ecs', ...args], {
      env: this.pier.awsEnv(), stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const done = new Promise<{ status: number | null; stdout: string; stderr: string; ms: number }>((resolve) => {
      child.once('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr, ms: Date.now() - started });
      });
    });
    const running = (): boolean => child.exitCode === null && child.signalCode === null;
    return { running, kill: () => void (running() && child.kill('SIGKILL')), done };
  }

  /**
   * A timestamp as this CLI prints it, in epoch ms. ECS sends epoch seconds; CLI v2 renders them
   * as ISO 8601 with an offset by default, CLI v1 prints the number.
   */
  epochMs(value: unknown, label: string): number {
    if (this.isV2) {
      assert.equal(typeof value, 'string', `${label}: CLI v2 prints timestamps as ISO 8601 strings, got ${JSON.stringify(value)}`);
      assert.match(value as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$/, label);
      return Date.parse(value as string);
    }
    assert.equal(typeof value, 'number', `${label}: CLI v1 prints timestamps as epoch seconds, got ${JSON.stringify(value)}`);
    return (value as number) * 1000;
  }

  /** Asserts a timestamp lies between `fromMs` (minus a second of rounding) and now. */
  assertTime(value: unknown, label: string, fromMs: number): number {
    const ms = this.epochMs(value, label);
    assert.ok(ms >= fromMs - 1000 && ms <= Date.now() + 1000, `${label}: ${new Date(ms).toISOString()} is not between ${new Date(fromMs).toISOString()} and now`);
    return ms;
  }
}

/** A Fargate task definition as --cli-input-json for register-task-definition; `extra` overrides members (undefined removes them). */
export function taskDefinitionJson(family: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    family,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'app', image: IMAGE }],
    ...extra,
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `fn` (every `everyMs`) until it returns something truthy, and returns that; fails after
 * `timeoutMs` naming `what`, the last value seen and, when given, what `context()` shows then.
 */
export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000, opts: { everyMs?: number; context?: () => unknown } = {}): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await fn();
    if (v) return v;
    last = v;
    if (Date.now() > end) {
      const ctx = opts.context ? `; ${JSON.stringify(opts.context(), null, 1).slice(0, 3000)}` : '';
      throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})${ctx}`);
    }
    await sleep(opts.everyMs ?? 500);
  }
}

/** The last path segment of an ARN (a task id). */
export const lastSegment = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

export const sorted = (xs: readonly string[]): string[] => [...xs].sort();

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  test('the AWS CLIs the e2e suites drive are installed', () => {
    const v2 = debianCli();
    assert.match(v2.version, /^aws-cli\/2\.\d+\.\d+ /);
    const v1 = v1Cli();
    if (v1) assert.match(v1.version, /^aws-cli\/1\.\d+\.\d+ .*botocore\/1\./);
  });
}
