/** ECS ARNs in the long format, and parsing of "name or ARN" parameters. */
export interface AccountScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

const prefix = (s: AccountScope, service = 'ecs'): string => `arn:${s.partition}:${service}:${s.region}:${s.accountId}`;

export const arns = {
  cluster: (s: AccountScope, name: string) => `${prefix(s)}:cluster/${name}`,
  task: (s: AccountScope, cluster: string, id: string) => `${prefix(s)}:task/${cluster}/${id}`,
  container: (s: AccountScope, cluster: string, taskId: string, uuid: string) =>
    `${prefix(s)}:container/${cluster}/${taskId}/${uuid}`,
  taskDefinition: (s: AccountScope, family: string, revision: number) =>
    `${prefix(s)}:task-definition/${family}:${revision}`,
  capacityProvider: (s: AccountScope, name: string) => `${prefix(s)}:capacity-provider/${name}`,
  service: (s: AccountScope, cluster: string, name: string) => `${prefix(s)}:service/${cluster}/${name}`,
};

export interface ParsedArn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  /** Everything after the fifth colon, e.g. "task/default/0123…" or "task-definition/web:3". */
  readonly resource: string;
}

export function parseArn(text: string): ParsedArn | undefined {
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition, service, region, accountId] = parts as [string, string, string, string, string];
  return { partition, service, region, accountId, resource: parts.slice(5).join(':') };
}

/** The resource type of an ECS ARN ("cluster", "task", "task-definition", …). */
export function resourceType(arn: ParsedArn): string {
  const slash = arn.resource.indexOf('/');
  return slash < 0 ? arn.resource : arn.resource.slice(0, slash);
}

/** A cluster parameter: short name or full ARN. Returns the name, or undefined if it is an ARN of something else. */
export function clusterNameOf(nameOrArn: string): string | undefined {
  if (!nameOrArn.startsWith('arn:')) return nameOrArn;
  const arn = parseArn(nameOrArn);
  if (!arn || arn.service !== 'ecs' || resourceType(arn) !== 'cluster') return undefined;
  return arn.resource.slice('cluster/'.length);
}

/** A task parameter: bare id, "cluster/id", or full ARN (long or legacy form). */
export function taskIdOf(idOrArn: string): { id: string; cluster?: string } | undefined {
  if (!idOrArn.startsWith('arn:')) {
    const bits = idOrArn.split('/');
    if (bits.length === 1) return { id: idOrArn };
    return undefined;
  }
  const arn = parseArn(idOrArn);
  if (!arn || arn.service !== 'ecs' || resourceType(arn) !== 'task') return undefined;
  const rest = arn.resource.slice('task/'.length).split('/');
  if (rest.length === 2) return { cluster: rest[0]!, id: rest[1]! };
  if (rest.length === 1) return { id: rest[0]! };
  return undefined;
}

/** "family", "family:3" or a task-definition ARN. */
export function taskDefinitionRefOf(ref: string): { family: string; revision?: number } | undefined {
  let text = ref;
  if (ref.startsWith('arn:')) {
    const arn = parseArn(ref);
    if (!arn || arn.service !== 'ecs' || resourceType(arn) !== 'task-definition') return undefined;
    text = arn.resource.slice('task-definition/'.length);
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return text ? { family: text } : undefined;
  const family = text.slice(0, colon);
  const revText = text.slice(colon + 1);
  if (!/^[1-9][0-9]{0,9}$/.test(revText) || !family) return undefined;
  return { family, revision: Number(revText) };
}
