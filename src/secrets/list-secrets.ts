/**
 * ListSecrets: filters (prefix matches, `!` negates; values of one filter are alternatives,
 * filters all apply), order, and pages. The page token is the offset into the ordered result.
 */
import type { SecretRecord } from '../store/secret-records.js';
import type { SecretsContext } from './context.js';
import { InvalidNextTokenException, InvalidParameterException } from './errors.js';
import { secretMetadata } from './secret-reads.js';
import { versionIdsToStages } from './staging.js';

export interface SecretFilter { Key?: string; Values?: string[] }

export interface ListSecretsInput {
  IncludePlannedDeletion?: boolean; MaxResults?: number; NextToken?: string; Filters?: SecretFilter[];
  SortOrder?: 'asc' | 'desc'; SortBy?: 'created-date' | 'last-accessed-date' | 'last-changed-date' | 'name';
}

const DEFAULT_PAGE = 100;

/** The texts a filter key searches in a secret, and whether it compares without case. */
function fieldsOf(secret: SecretRecord, key: string): { texts: string[]; anyCase: boolean } {
  switch (key) {
    case 'name': return { texts: [secret.name], anyCase: false };
    case 'description': return { texts: secret.description === undefined ? [] : [secret.description], anyCase: true };
    case 'tag-key': return { texts: secret.tags.map((t) => t.Key), anyCase: false };
    case 'tag-value': return { texts: secret.tags.map((t) => t.Value), anyCase: false };
    case 'primary-region': case 'owning-service': return { texts: [], anyCase: false };
    default: {
      const words = [secret.name, secret.description ?? '', ...secret.tags.flatMap((t) => [t.Key, t.Value])];
      return { texts: words.flatMap((w) => w.split(/[\s/_+=.@-]+/)).concat(words), anyCase: true };
    }
  }
}

function valueMatches(secret: SecretRecord, key: string, value: string): boolean {
  const negate = value.startsWith('!');
  const wanted = negate ? value.slice(1) : value;
  const { texts, anyCase } = fieldsOf(secret, key);
  const norm = (s: string): string => (anyCase ? s.toLowerCase() : s);
  const hit = texts.some((t) => norm(t).startsWith(norm(wanted)));
  return negate ? !hit : hit;
}

/** Whether `secret` passes every filter (pure). */
export function matchesFilters(secret: SecretRecord, filters: readonly SecretFilter[]): boolean {
  return filters.every((f) => (f.Values ?? []).some((v) => valueMatches(secret, f.Key ?? 'all', v)));
}

function sortKey(s: SecretRecord, by: ListSecretsInput['SortBy']): string | number {
  switch (by) {
    case 'name': return s.name;
    case 'last-accessed-date': return s.lastAccessedAt ?? 0;
    case 'last-changed-date': return s.lastChangedAt;
    default: return s.createdAt;
  }
}

function parseToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const m = /^o(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m) throw new InvalidNextTokenException('The NextToken value is invalid.');
  return Number(m[1]);
}

export async function listSecrets(ctx: SecretsContext, input: ListSecretsInput): Promise<unknown> {
  for (const f of input.Filters ?? []) {
    if (f.Key === undefined || f.Values === undefined) throw new InvalidParameterException('Invalid filter: a filter needs a Key and Values.');
  }
  const offset = parseToken(input.NextToken);
  const now = ctx.clock.now();
  const desc = input.SortOrder === 'desc';
  const secrets = (await ctx.store.read.secrets.list())
    .filter((s) => s.deletionDate === undefined || (input.IncludePlannedDeletion === true && s.deletionDate > now))
    .filter((s) => matchesFilters(s, input.Filters ?? []))
    .sort((a, b) => {
      const ka = sortKey(a, input.SortBy);
      const kb = sortKey(b, input.SortBy);
      const c = ka < kb ? -1 : ka > kb ? 1 : a.name.localeCompare(b.name);
      return desc ? -c : c;
    });
  const limit = input.MaxResults ?? DEFAULT_PAGE;
  const page = secrets.slice(offset, offset + limit);
  const SecretList = [];
  for (const s of page) {
    SecretList.push({ ...secretMetadata(s), SecretVersionsToStages: versionIdsToStages(await ctx.store.read.secrets.versions(s.arn)) });
  }
  const next = offset + limit < secrets.length ? Buffer.from(`o${offset + limit}`).toString('base64url') : undefined;
  return { SecretList, ...(next ? { NextToken: next } : {}) };
}
