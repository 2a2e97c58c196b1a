/**
 * Cost Explorer's Filter expressions (And, Or, Not, Dimensions, Tags) over the attributes of one
 * charge: the dimensions Pier can name and the task's tags. Checked once before any charge is
 * looked at, so a bad filter is refused even when nothing would match.
 */
import { ValidationException } from './cost-explorer-errors.js';

export interface Expression {
  And?: Expression[];
  Or?: Expression[];
  Not?: Expression;
  Dimensions?: { Key?: string; Values?: string[]; MatchOptions?: string[] };
  Tags?: { Key?: string; Values?: string[]; MatchOptions?: string[] };
  CostCategories?: unknown;
}

export interface Attributes {
  readonly dimensions: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
}

export function checkExpression(e: Expression, dimensions: readonly string[]): void {
  const parts = (['And', 'Or', 'Not', 'Dimensions', 'Tags', 'CostCategories'] as const).filter((k) => e[k] !== undefined);
  if (parts.length !== 1) throw new ValidationException('Expression must have exactly one of And, Or, Not, Dimensions, Tags or CostCategories');
  if (e.CostCategories !== undefined) throw new ValidationException('Pier has no cost categories; filter by Dimensions or Tags');
  if (e.And || e.Or) {
    const list = (e.And ?? e.Or)!;
    if (list.length < 2) throw new ValidationException(`${e.And ? 'And' : 'Or'} needs at least two expressions`);
    for (const x of list) checkExpression(x, dimensions);
  }
  if (e.Not) checkExpression(e.Not, dimensions);
  const m = e.Dimensions ?? e.Tags;
  if (m) {
    if (!m.Key) throw new ValidationException(`${e.Dimensions ? 'Dimensions' : 'Tags'} needs a Key`);
    if (e.Dimensions && !dimensions.includes(m.Key)) {
      throw new ValidationException(`Dimension ${m.Key} is not supported by Pier; use one of ${dimensions.join(', ')}`);
    }
    const unsupported = (m.MatchOptions ?? []).filter((o) => o !== 'EQUALS' && o !== 'CASE_SENSITIVE');
    if (unsupported.length) throw new ValidationException(`MatchOptions ${unsupported.join(', ')} are not supported by Pier; values match exactly`);
  }
}

export function matches(e: Expression, a: Attributes): boolean {
  if (e.And) return e.And.every((x) => matches(x, a));
  if (e.Or) return e.Or.some((x) => matches(x, a));
  if (e.Not) return !matches(e.Not, a);
  if (e.Dimensions) return (e.Dimensions.Values ?? []).includes(a.dimensions[e.Dimensions.Key!] ?? '');
  if (e.Tags) return (e.Tags.Values ?? []).includes(a.tags[e.Tags.Key!] ?? '');
  return false;
}

/** Whether the expression looks at this dimension anywhere. */
export function mentionsDimension(e: Expression | undefined, key: string): boolean {
  if (!e) return false;
  return e.Dimensions?.Key === key || [...(e.And ?? []), ...(e.Or ?? []), ...(e.Not ? [e.Not] : [])].some((x) => mentionsDimension(x, key));
}
