/** DescribeParameters (metadata only, never values), DeleteParameter and DeleteParameters. */
import { toEpochSeconds } from '../lib/clock.js';
import type { ParametersContext } from './context.js';
import { ParameterNotFound, ValidationException } from './errors.js';
import { pageByName } from './get-parameters.js';
import { describeFilter, legacyFilter, type ParametersFilter, type ParameterStringFilter } from './parameter-filters.js';
import { parameterArn } from './parameter-names.js';

export interface DescribeParametersInput {
  Filters?: ParametersFilter[]; ParameterFilters?: ParameterStringFilter[]; MaxResults?: number; NextToken?: string; Shared?: boolean;
}

export async function describeParameters(ctx: ParametersContext, input: DescribeParametersInput): Promise<unknown> {
  if (input.Filters !== undefined && input.ParameterFilters !== undefined) {
    throw new ValidationException('You can use either Filters or ParameterFilters in a single request.');
  }
  const keep = input.Filters !== undefined ? legacyFilter(input.Filters) : describeFilter(input.ParameterFilters ?? []);
  const needsTags = (input.ParameterFilters ?? []).some((f) => f.Key.startsWith('tag:'));
  const matching = [];
  for (const p of await ctx.store.read.parameters.listCurrent()) {
    if (keep({ p, tags: needsTags ? await ctx.store.read.parameters.tags(p.name) : [] })) matching.push(p);
  }
  matching.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const { page, next } = pageByName(matching, input.NextToken, input.MaxResults ?? 50);
  return {
    Parameters: page.map((p) => ({
      Name: p.name, ARN: parameterArn(ctx.scope, p.name), Type: p.type, ...(p.keyId !== undefined ? { KeyId: p.keyId } : {}),
      LastModifiedDate: toEpochSeconds(p.modifiedAt), LastModifiedUser: p.modifiedBy,
      ...(p.description !== undefined ? { Description: p.description } : {}),
      ...(p.allowedPattern !== undefined ? { AllowedPattern: p.allowedPattern } : {}),
      Version: p.version, Tier: p.tier, Policies: [], DataType: p.dataType,
    })),
    ...(next ? { NextToken: next } : {}),
  };
}

export async function deleteParameter(ctx: ParametersContext, input: { Name: string }): Promise<unknown> {
  const removed = await ctx.store.transaction((tx) => tx.parameters.remove(input.Name));
  if (!removed) throw new ParameterNotFound(`Parameter ${input.Name} not found.`);
  return {};
}

export async function deleteParameters(ctx: ParametersContext, input: { Names: string[] }): Promise<unknown> {
  return ctx.store.transaction(async (tx) => {
    const DeletedParameters = [];
    const InvalidParameters = [];
    for (const name of new Set(input.Names)) {
      if (await tx.parameters.remove(name)) DeletedParameters.push(name);
      else InvalidParameters.push(name);
    }
    return { DeletedParameters, InvalidParameters };
  });
}
