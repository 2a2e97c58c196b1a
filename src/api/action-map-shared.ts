/** The types and helpers action-map.ts and its per-service resolvers share. */
import type { AccountScope } from '../ecs/arn.js';
import type { Principal } from '../iam/principal.js';
import type { Repos } from '../store/store.js';

export interface ActionTarget {
  /** Every resource must be allowed; a denial names the first that is not. */
  readonly resources: readonly string[];
  /** Service condition keys the call sets (`ecs:cluster`). */
  readonly context?: Readonly<Record<string, string>>;
}

export interface MapEnv {
  readonly scope: AccountScope;
  /** Committed state, for calls that name a resource by something other than its ARN. */
  readonly repos: Repos;
  readonly principal: Principal;
}

export type Input = Readonly<Record<string, unknown>>;
export type Resolver = (operation: string, input: Input, env: MapEnv) => ActionTarget | Promise<ActionTarget>;

export const ANY: ActionTarget = { resources: ['*'] };

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
export const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
export const arnPrefix = (scope: AccountScope, service: string): string => `arn:${scope.partition}:${service}:${scope.region}:${scope.accountId}`;
export const orAny = (resources: readonly string[]): ActionTarget => (resources.length > 0 ? { resources } : ANY);
