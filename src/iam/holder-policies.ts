/**
 * The policies of an IAM identity that holds them, a role or a user: inline ones (Put/Get/Delete/
 * List…Policy), checked as identity policies and held to IAM's per-identity size quota, and the AWS
 * managed policies of Pier's catalogue attached to it (Attach/Detach/ListAttached…Policies). The two
 * kinds differ only in where they are kept, their quotas and the words of their answers.
 */
import type { ControlPlane } from '../control-plane/context.js';
import { parseArn } from '../ecs/arn.js';
import type { Repos, RolePolicyRepo } from '../store/store.js';
import { InvalidInputException, LimitExceededException, NoSuchEntityException } from './errors.js';
import { findManagedPolicy, type ManagedPolicy } from './managed-policies.js';
import { pageOf } from './paging.js';
import { PolicyKind, parsePolicyDocument, policySize, urlEncodeDocument } from './policy-document.js';

type Wire = Record<string, unknown>;
export interface PageInput { Marker?: string; MaxItems?: number }

export interface PolicyHolderKind<N extends string> {
  /** The request and answer member naming the holder: RoleName, UserName. */
  readonly nameMember: N;
  /** As IAM's messages say it: role, user. */
  readonly noun: string;
  /** Operation names' word: Role, User. */
  readonly opNoun: string;
  /** IAM's quota for the holder's inline policies together (white space not counted). */
  readonly inlineQuota: number;
  /** IAM's default quota of managed policies attached to one holder. */
  readonly attachedQuota: number;
  readonly find: (repos: Repos, name: string) => Promise<{ id: string; name: string }>;
  readonly policies: (repos: Repos) => RolePolicyRepo;
}

/** The catalogue policy an ARN names: InvalidInput for what is not a policy ARN, NoSuchEntity for one Pier does not have. */
export function requireManagedPolicy(cp: ControlPlane, arn: string): ManagedPolicy {
  const parsed = parseArn(arn);
  if (!parsed || parsed.service !== 'iam' || !parsed.resource.startsWith('policy/')) throw new InvalidInputException(`ARN ${arn} is not valid.`);
  const policy = findManagedPolicy(cp.scope.partition, arn);
  if (!policy) throw new NoSuchEntityException(`Policy ${arn} does not exist or is not attachable.`);
  return policy;
}

/** The seven operations on one kind of holder's policies. */
export function holderPolicyOperations<N extends string>(kind: PolicyHolderKind<N>) {
  type Named = Record<N, string>;
  const noSuchPolicy = (name: string): NoSuchEntityException => new NoSuchEntityException(`The ${kind.noun} policy with name ${name} cannot be found.`);
  return {
    async put(cp: ControlPlane, input: Named & { PolicyName: string; PolicyDocument: string }): Promise<undefined> {
      parsePolicyDocument(input.PolicyDocument, PolicyKind.identity);
      await cp.store.transaction(async (tx) => {
        const holder = await kind.find(tx, input[kind.nameMember]);
        const others = (await kind.policies(tx).listInline(holder.id)).filter((p) => p.name !== input.PolicyName);
        const size = others.reduce((n, p) => n + policySize(p.document), policySize(input.PolicyDocument));
        if (size > kind.inlineQuota) {
          throw new LimitExceededException(`Maximum policy size of ${kind.inlineQuota} bytes exceeded for ${kind.noun} ${holder.name}`);
        }
        await kind.policies(tx).putInline(holder.id, input.PolicyName, input.PolicyDocument);
      });
      return undefined;
    },

    async get(cp: ControlPlane, input: Named & { PolicyName: string }): Promise<Wire> {
      const holder = await kind.find(cp.store.read, input[kind.nameMember]);
      const document = await kind.policies(cp.store.read).getInline(holder.id, input.PolicyName);
      if (document === undefined) throw noSuchPolicy(input.PolicyName);
      return { [kind.nameMember]: holder.name, PolicyName: input.PolicyName, PolicyDocument: urlEncodeDocument(document) };
    },

    async delete(cp: ControlPlane, input: Named & { PolicyName: string }): Promise<undefined> {
      await cp.store.transaction(async (tx) => {
        const holder = await kind.find(tx, input[kind.nameMember]);
        if (!(await kind.policies(tx).removeInline(holder.id, input.PolicyName))) throw noSuchPolicy(input.PolicyName);
      });
      return undefined;
    },

    async list(cp: ControlPlane, input: Named & PageInput): Promise<Wire> {
      const holder = await kind.find(cp.store.read, input[kind.nameMember]);
      const names = (await kind.policies(cp.store.read).listInline(holder.id)).map((p) => p.name);
      const { items, ...page } = pageOf(`List${kind.opNoun}Policies`, names, (n) => n, input);
      return { PolicyNames: items, ...page };
    },

    async attach(cp: ControlPlane, input: Named & { PolicyArn: string }): Promise<undefined> {
      await cp.store.transaction(async (tx) => {
        const holder = await kind.find(tx, input[kind.nameMember]);
        requireManagedPolicy(cp, input.PolicyArn);
        const attached = await kind.policies(tx).listAttached(holder.id);
        if (attached.includes(input.PolicyArn)) return;
        if (attached.length >= kind.attachedQuota) throw new LimitExceededException(`Cannot exceed quota for PoliciesPer${kind.opNoun}: ${kind.attachedQuota}`);
        await kind.policies(tx).attach(holder.id, input.PolicyArn);
      });
      return undefined;
    },

    async detach(cp: ControlPlane, input: Named & { PolicyArn: string }): Promise<undefined> {
      await cp.store.transaction(async (tx) => {
        const holder = await kind.find(tx, input[kind.nameMember]);
        if (!parseArn(input.PolicyArn)) throw new InvalidInputException(`ARN ${input.PolicyArn} is not valid.`);
        if (!(await kind.policies(tx).detach(holder.id, input.PolicyArn))) throw new NoSuchEntityException(`Policy ${input.PolicyArn} was not found.`);
      });
      return undefined;
    },

    /** The attached ARNs under PathPrefix, named. */
    async listAttached(cp: ControlPlane, input: Named & { PathPrefix?: string } & PageInput): Promise<Wire> {
      const holder = await kind.find(cp.store.read, input[kind.nameMember]);
      const attached = (await kind.policies(cp.store.read).listAttached(holder.id))
        .map((arn) => ({ arn, policy: findManagedPolicy(cp.scope.partition, arn) }))
        .filter((a) => input.PathPrefix === undefined || (a.policy?.path ?? '/').startsWith(input.PathPrefix));
      const { items, ...page } = pageOf(`ListAttached${kind.opNoun}Policies`, attached, (a) => a.arn, input);
      return {
        AttachedPolicies: items.map((a) => ({ PolicyName: a.policy?.name ?? a.arn.slice(a.arn.lastIndexOf('/') + 1), PolicyArn: a.arn })),
        ...page,
      };
    },
  };
}
