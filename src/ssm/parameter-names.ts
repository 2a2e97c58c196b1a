/**
 * Parameter names (pure): the naming rules PutParameter enforces, `name:version` selectors and
 * parameter ARNs, and paths.
 */
import type { AccountScope } from '../ecs/arn.js';
import { HierarchyLevelLimitExceededException, ValidationException } from './errors.js';

export const MAX_LEVELS = 15;

const NAME_RULES = 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of '
  + 'sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';

export const PATH_RULES = 'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/". '
  + 'It can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), '
  + '- (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". '
  + 'Valid example: /get/parameters2-/by1./path0_.';

const SEGMENT = /^[a-zA-Z0-9_.-]+$/;

/** A name PutParameter accepts (spaces around it are dropped, as AWS does), or AWS's refusal. */
export function parseParameterName(raw: string): string {
  const name = raw.trim();
  if (name.includes('/') && !name.startsWith('/')) throw new ValidationException('Parameter name must be a fully qualified name.');
  const segments = name.startsWith('/') ? name.slice(1).split('/') : [name];
  if (segments.some((s) => !SEGMENT.test(s)) || /^(aws|ssm)/i.test(segments[0]!)) throw new ValidationException(NAME_RULES);
  if (segments.length > MAX_LEVELS) {
    throw new HierarchyLevelLimitExceededException(`A hierarchy can have a maximum of ${MAX_LEVELS} levels. Reduce the number of levels in the parameter name.`);
  }
  return name;
}

export const parameterArn = (scope: AccountScope, name: string): string =>
  `arn:${scope.partition}:ssm:${scope.region}:${scope.accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`;

export interface ParameterRef {
  /** Names to try, in order (an ARN's `parameter/a` may name `a` or `/a`). */
  readonly names: readonly string[];
  /** What followed the last `:`, when there was one: a version number or a label. */
  readonly selector?: string;
}

/** Splits `name`, `name:3`, `name:label` or a parameter ARN (with the same suffixes). */
export function parseParameterRef(raw: string): ParameterRef {
  let text = raw.trim();
  let fromArn = false;
  if (text.startsWith('arn:')) {
    const resource = text.split(':').slice(5).join(':');
    if (!resource.startsWith('parameter/')) return { names: [text] };
    text = resource.slice('parameter'.length);
    fromArn = true;
  }
  const colon = text.lastIndexOf(':');
  const name = colon >= 0 ? text.slice(0, colon) : text;
  const selector = colon >= 0 ? text.slice(colon + 1) : undefined;
  const names = fromArn ? [name, name.slice(1)] : [name];
  return selector === undefined ? { names } : { names, selector };
}

/** Whether `name` lies under `path` (one level down, or any depth when recursive). */
export function isUnderPath(name: string, path: string, recursive: boolean): boolean {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  if (!name.startsWith(prefix) || name.length === prefix.length) return false;
  return recursive || !name.slice(prefix.length).includes('/');
}

export function parsePath(path: string): string {
  if (!path.startsWith('/') || !path.split('/').slice(1).every((s, i, all) => SEGMENT.test(s) || (s === '' && i === all.length - 1))) {
    throw new ValidationException(PATH_RULES);
  }
  return path;
}
