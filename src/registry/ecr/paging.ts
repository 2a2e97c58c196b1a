/** ECR's maxResults / nextToken paging over a list Pier builds whole (nextToken: the offset, opaque to clients). */
import { InvalidParameterException } from '../ecr-errors.js';

export function page<T>(items: readonly T[], input: { maxResults?: number; nextToken?: string }, defaultMax = 100): { items: T[]; nextToken?: string } {
  let start = 0;
  if (input.nextToken !== undefined) {
    const decoded = /^o(\d+)$/.exec(Buffer.from(input.nextToken, 'base64url').toString('utf8'));
    if (!decoded) throw new InvalidParameterException('Invalid parameter at \'nextToken\' failed to satisfy constraint: \'Invalid NextToken\'');
    start = Number(decoded[1]);
  }
  const end = start + (input.maxResults ?? defaultMax);
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { nextToken: Buffer.from(`o${end}`).toString('base64url') } : {}),
  };
}
