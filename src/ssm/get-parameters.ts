/** GetParameter, GetParameters and GetParametersByPath. */
import type { ParametersContext } from './context.js';
import { InvalidNextToken, ParameterNotFound, ParameterVersionNotFound } from './errors.js';
import { findParameter } from './find-parameter.js';
import { byPathFilter, type ParameterStringFilter } from './parameter-filters.js';
import { isUnderPath, parsePath } from './parameter-names.js';
import { parameterToWire } from './parameter-values.js';

export async function getParameter(ctx: ParametersContext, input: { Name: string; WithDecryption?: boolean }): Promise<unknown> {
  const found = await findParameter(ctx.store.read, input.Name);
  if ('missing' in found) {
    if (found.missing === 'version') {
      throw new ParameterVersionNotFound(`Systems Manager could not find version ${found.selector} of ${found.name}. Verify the version and try again.`);
    }
    // AWS answers a missing parameter with an empty message.
    throw new ParameterNotFound('');
  }
  return { Parameter: parameterToWire(ctx, found.found, input.WithDecryption === true, found.selector) };
}

export async function getParameters(ctx: ParametersContext, input: { Names: string[]; WithDecryption?: boolean }): Promise<unknown> {
  const Parameters = [];
  const InvalidParameters = [];
  for (const name of new Set(input.Names)) {
    const found = await findParameter(ctx.store.read, name);
    if ('found' in found) Parameters.push(parameterToWire(ctx, found.found, input.WithDecryption === true, found.selector));
    else InvalidParameters.push(name);
  }
  return { Parameters, InvalidParameters };
}

/** Page tokens for name-ordered lists: the last name shown. */
export function nameToken(name: string): string {
  return Buffer.from(`n${name}`, 'utf8').toString('base64url');
}

export function afterName(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith('n') || nameToken(text.slice(1)) !== token) throw new InvalidNextToken('The specified token isn\'t valid.');
  return text.slice(1);
}

/** One page of name-ordered items after the token, and the token for the next. */
export function pageByName<T extends { name: string }>(items: readonly T[], token: string | undefined, limit: number): { page: T[]; next?: string } {
  const after = afterName(token);
  const rest = after === undefined ? items : items.filter((p) => p.name > after);
  const page = rest.slice(0, limit);
  return rest.length > limit ? { page, next: nameToken(page[page.length - 1]!.name) } : { page };
}

export interface GetParametersByPathInput {
  Path: string; Recursive?: boolean; ParameterFilters?: ParameterStringFilter[]; WithDecryption?: boolean; MaxResults?: number; NextToken?: string;
}

export async function getParametersByPath(ctx: ParametersContext, input: GetParametersByPathInput): Promise<unknown> {
  const path = parsePath(input.Path);
  const keep = byPathFilter(input.ParameterFilters ?? []);
  const all = (await ctx.store.read.parameters.listCurrent())
    .filter((p) => isUnderPath(p.name, path, input.Recursive === true) && keep(p))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const { page, next } = pageByName(all, input.NextToken, input.MaxResults ?? 10);
  return { Parameters: page.map((p) => parameterToWire(ctx, p, input.WithDecryption === true)), ...(next ? { NextToken: next } : {}) };
}
