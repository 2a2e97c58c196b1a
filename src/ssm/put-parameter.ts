/** PutParameter: create, or overwrite as a new version; the rules AWS checks, in its words. */
import type { KeyValueTag, ParameterVersionRecord } from '../store/secret-records.js';
import type { ParametersContext } from './context.js';
import {
  InvalidAllowedPatternException, ParameterAlreadyExists, ParameterPatternMismatchException, ValidationException,
} from './errors.js';
import { parseParameterName } from './parameter-names.js';
import { sealParameterValue } from './parameter-values.js';

export interface PutParameterInput {
  Name: string; Value: string; Description?: string; Type?: ParameterVersionRecord['type']; KeyId?: string; Overwrite?: boolean;
  AllowedPattern?: string; Tags?: KeyValueTag[]; Tier?: 'Standard' | 'Advanced' | 'Intelligent-Tiering'; Policies?: string; DataType?: string;
}

export const DEFAULT_KEY_ID = 'alias/aws/ssm';
/** AWS keeps the last 100 versions of a parameter. */
export const VERSIONS_KEPT = 100;
const MAX_VALUE = { Standard: 4096, Advanced: 8192 } as const;

function allowedPatternOf(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    throw new InvalidAllowedPatternException('The allowed pattern is not a valid regular expression.');
  }
}

/** The tier a value is stored in (pure). */
export function tierFor(requested: PutParameterInput['Tier'], current: ParameterVersionRecord['tier'] | undefined, valueLength: number): ParameterVersionRecord['tier'] {
  if (requested === 'Standard' && current === 'Advanced') {
    throw new ValidationException('This parameter uses the advanced-parameter tier. You can\'t downgrade a parameter from the advanced-parameter tier '
      + 'to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.');
  }
  const tier = requested === 'Advanced' || current === 'Advanced' || (requested === 'Intelligent-Tiering' && valueLength > MAX_VALUE.Standard)
    ? 'Advanced' : 'Standard';
  if (valueLength > MAX_VALUE[tier]) {
    throw new ValidationException(tier === 'Standard'
      ? 'Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.'
      : 'Advanced tier parameters support a maximum parameter value of 8192 characters.');
  }
  return tier;
}

function checkRequest(input: PutParameterInput): void {
  if (input.Value.length === 0) {
    throw new ValidationException("1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1");
  }
  if (input.Overwrite === true && (input.Tags?.length ?? 0) > 0) {
    throw new ValidationException('Invalid request: tags and overwrite can\'t be used together. To create a parameter with tags, please remove overwrite flag. '
      + 'To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.');
  }
  if (input.Policies !== undefined) throw new ValidationException('Pier does not support parameter policies.');
  if (input.DataType !== undefined && input.DataType !== 'text') {
    throw new ValidationException(`The following data type is not supported: ${input.DataType} (Data type names are all lowercase.)`);
  }
}

export async function putParameter(ctx: ParametersContext, input: PutParameterInput, principalArn: string): Promise<unknown> {
  const name = parseParameterName(input.Name);
  checkRequest(input);
  return ctx.store.transaction(async (tx) => {
    const current = await tx.parameters.current(name);
    if (current && input.Overwrite !== true) {
      throw new ParameterAlreadyExists('The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
    }
    const type = input.Type ?? current?.type;
    if (!type) throw new ValidationException('A parameter type is required when you create a parameter.');
    if (input.KeyId !== undefined && type !== 'SecureString') throw new ValidationException('KeyId is required for SecureString type parameter only.');
    const tier = tierFor(input.Tier, current?.tier, input.Value.length);
    const allowedPattern = input.AllowedPattern ?? current?.allowedPattern;
    if (allowedPattern !== undefined && !allowedPatternOf(allowedPattern).test(input.Value)) {
      throw new ParameterPatternMismatchException(`Parameter value, cannot be validated against allowedPattern: ${allowedPattern}`);
    }
    const version = (current?.version ?? 0) + 1;
    const description = input.Description ?? current?.description;
    const keyId = type === 'SecureString' ? input.KeyId ?? (current?.type === 'SecureString' ? current.keyId : undefined) ?? DEFAULT_KEY_ID : undefined;
    await tx.parameters.putVersion({
      name, version, type, tier, dataType: input.DataType ?? current?.dataType ?? 'text', modifiedAt: ctx.clock.now(), modifiedBy: principalArn,
      value: type === 'SecureString' ? sealParameterValue(ctx, name, version, input.Value) : input.Value,
      ...(keyId !== undefined ? { keyId } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(allowedPattern !== undefined ? { allowedPattern } : {}),
    }, input.Tags ?? []);
    if (version > VERSIONS_KEPT) await tx.parameters.pruneVersions(name, version - VERSIONS_KEPT + 1);
    return { Version: version, Tier: tier };
  });
}
