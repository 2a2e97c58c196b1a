/**
 * IAM's decision for identity policies: an explicit Deny in any statement that applies wins; else
 * an Allow that applies allows; else the request is implicitly denied. A statement applies when
 * its action, resource and every condition match. Pure.
 */
import type { CompiledPolicy } from './compile-policy.js';
import type { AuthzRequest } from './request-context.js';

export const Decision = { Allow: 'Allow', ExplicitDeny: 'ExplicitDeny', ImplicitDeny: 'ImplicitDeny' } as const;
export type Decision = (typeof Decision)[keyof typeof Decision];

export function decide(policies: readonly CompiledPolicy[], request: AuthzRequest): Decision {
  const action = request.action.toLowerCase();
  let allowed = false;
  for (const policy of policies) {
    for (const s of policy.statements) {
      // Once allowed, only a Deny can change the answer.
      if (allowed && s.effect === 'Allow') continue;
      if (!s.action(action) || !s.resource(request.resource, request.context)) continue;
      if (s.condition && !s.condition(request.context)) continue;
      if (s.effect === 'Deny') return Decision.ExplicitDeny;
      allowed = true;
    }
  }
  return allowed ? Decision.Allow : Decision.ImplicitDeny;
}
