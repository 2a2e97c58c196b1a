/**
 * What a request brings to policy evaluation: its action, one resource ARN (or `*`), and the
 * condition keys it carries (`aws:SourceIp`, `ecs:cluster`, …). Keys are case-insensitive in IAM,
 * so the map holds them lower-cased; a multi-valued key holds a list.
 */
export type ContextValue = string | readonly string[];

export type RequestContext = ReadonlyMap<string, ContextValue>;

export interface AuthzRequest {
  /** `service:Action`, in any case. */
  readonly action: string;
  readonly resource: string;
  readonly context: RequestContext;
}

/** A context from keys in any case (undefined values are left out). */
export function requestContext(entries: Record<string, ContextValue | undefined>): RequestContext {
  const out = new Map<string, ContextValue>();
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) out.set(k.toLowerCase(), v);
  return out;
}

export function contextValues(ctx: RequestContext, key: string): readonly string[] | undefined {
  const v = ctx.get(key.toLowerCase());
  if (v === undefined) return undefined;
  return typeof v === 'string' ? [v] : v;
}
