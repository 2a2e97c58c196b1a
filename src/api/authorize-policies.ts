/**
 * Each principal's identity policies, parsed and compiled once and kept until IAM changes: a
 * user's inline and attached policies, or — for a role session (AssumeRole, a task's role) — its
 * role's. Pier's managed policies never change, so they are compiled once for the process.
 * invalidate() drops everything; IAM calls that change users, roles, keys or policies call it
 * before they answer, so the next request is decided on the new policies.
 */
import { compilePolicy, type CompiledPolicy } from '../iam/evaluate/compile-policy.js';
import { findManagedPolicy } from '../iam/managed-policies.js';
import type { Principal } from '../iam/principal.js';
import type { Repos, RolePolicyRepo } from '../store/store.js';

const managed = new Map<string, CompiledPolicy | undefined>();

function managedPolicy(partition: string, arn: string): CompiledPolicy | undefined {
  if (!managed.has(arn)) {
    const p = findManagedPolicy(partition, arn);
    managed.set(arn, p ? compilePolicy(arn, p.document) : undefined);
  }
  return managed.get(arn);
}

/** A stored document that no longer parses grants nothing (it was checked when stored). */
function compileOrSkip(source: string, document: string): CompiledPolicy | undefined {
  try {
    return compilePolicy(source, document);
  } catch {
    return undefined;
  }
}

async function policiesOf(repo: RolePolicyRepo, ownerId: string, partition: string): Promise<CompiledPolicy[]> {
  const inline = (await repo.listInline(ownerId)).map((p) => compileOrSkip(`inline:${p.name}`, p.document));
  const attached = (await repo.listAttached(ownerId)).map((arn) => managedPolicy(partition, arn));
  return [...inline, ...attached].filter((p) => p !== undefined);
}

export class PrincipalPolicies {
  private readonly cache = new Map<string, Promise<readonly CompiledPolicy[]>>();

  constructor(private readonly repos: Repos, private readonly partition: string) {}

  /** The principal's policies (none for root, which is never evaluated). */
  forPrincipal(p: Principal): Promise<readonly CompiledPolicy[]> {
    if (p.kind === 'root') return Promise.resolve([]);
    const key = p.kind === 'user' ? `user:${p.userId}` : `role:${p.roleArn}`;
    let found = this.cache.get(key);
    if (!found) {
      found = this.load(p);
      this.cache.set(key, found);
      // A failed read is not remembered.
      found.catch(() => this.cache.delete(key));
    }
    return found;
  }

  invalidate(): void {
    this.cache.clear();
  }

  private async load(p: Principal): Promise<readonly CompiledPolicy[]> {
    if (p.kind === 'user') return policiesOf(this.repos.userPolicies, p.userId, this.partition);
    if (p.kind !== 'assumed-role') return [];
    const role = await this.repos.roles.getByArn(p.roleArn);
    return role ? policiesOf(this.repos.rolePolicies, role.roleId, this.partition) : [];
  }
}
