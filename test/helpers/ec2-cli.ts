/**
 * `aws ec2 …` for the EC2 end-to-end suites: the ECS suites' runner (test/e2e/aws-cli-support.test.ts)
 * pointed at ec2, plus a snapshot of everything a user can list, to show that refused calls
 * changed nothing.
 */
import assert from 'node:assert/strict';
import type { Aws } from '../e2e/aws-cli-support.test.js';

export class Ec2Cli {
  constructor(readonly aws: Aws) {}

  /** Runs `aws ec2 <args>`, asserts exit 0 and returns the parsed JSON output ({} when none). */
  ok(args: string[]): any {
    return this.aws.ok(args, 'ec2');
  }

  /** `--output text` (with a --query, one value). */
  text(args: string[]): string {
    const r = this.aws.run(['ec2', ...args, '--output', 'text']);
    assert.equal(r.status, 0, `${this.aws.cli.name}: aws ec2 ${args.join(' ')} exited ${r.status}\n${r.stderr}`);
    return r.stdout.trim();
  }

  /** Expects EC2's error `code` from `op` with `message`, as the CLI prints it (see Aws.fail). */
  fail(args: string[], code: string, op: string, message: string | RegExp): void {
    this.aws.fail(args, code, op, message, 'ec2');
  }

  /** Every VPC, subnet, security group (with rules) and tag, for before/after comparisons. */
  snapshot(): unknown {
    return {
      vpcs: this.ok(['describe-vpcs']).Vpcs,
      subnets: this.ok(['describe-subnets']).Subnets,
      groups: this.ok(['describe-security-groups']).SecurityGroups,
      tags: this.ok(['describe-tags']).Tags,
    };
  }
}
