/** Paged ECS reads the people's commands share: every task or service of a cluster, described. */
import { AwsCallError, ECS, type PierClient } from '../client/pier-client.js';

/** Every ARN a List call pages through. The `default` cluster exists once something runs in it: before, it is empty. */
export async function listAll(c: PierClient, op: 'ListTasks' | 'ListServices', input: { cluster: string } & Record<string, unknown>, key: 'taskArns' | 'serviceArns'): Promise<string[]> {
  return inCluster(input.cluster, async () => {
    const out: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await c.json<Record<string, unknown>>(ECS, op, { ...input, ...(nextToken ? { nextToken } : {}) });
      out.push(...((page[key] as string[] | undefined) ?? []));
      nextToken = page.nextToken as string | undefined;
    } while (nextToken);
    return out;
  });
}

/** A read of a cluster's resources: none while `default` does not exist yet, a clear error for another missing cluster. */
async function inCluster<T>(cluster: string, read: () => Promise<T[]>): Promise<T[]> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof AwsCallError) || err.code !== 'ClusterNotFoundException') throw err;
    if (cluster === 'default') return [];
    throw new Error(`no cluster '${cluster}': 'aws ecs list-clusters' lists them`);
  }
}

async function inChunks<T>(items: readonly string[], size: number, fetch: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...await fetch(items.slice(i, i + size)));
  return out;
}

export const describeTasks = (c: PierClient, cluster: string, arns: readonly string[]): Promise<any[]> =>
  inChunks(arns, 100, async (tasks) => (await c.json(ECS, 'DescribeTasks', { cluster, tasks })).tasks ?? []);

export const describeServices = (c: PierClient, cluster: string, arns: readonly string[]): Promise<any[]> =>
  inCluster(cluster, () => inChunks(arns, 10, async (services) => (await c.json(ECS, 'DescribeServices', { cluster, services })).services ?? []));

export const taskId = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);
export const definitionName = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

/** The task's ENI address, when it has one. */
export function taskAddress(t: any): string {
  for (const a of t.attachments ?? []) {
    const ip = (a.details ?? []).find((d: any) => d.name === 'privateIPv4Address')?.value;
    if (ip) return ip;
  }
  return '';
}

/** A task named by id or ARN: the one of the cluster whose id starts with it (refused when several do). */
export async function resolveTask(c: PierClient, cluster: string, ref: string): Promise<any> {
  // A whole id or ARN is described at once; only a prefix needs the cluster's task list.
  if (ref.startsWith('arn:') || /^[0-9a-f]{32}$/.test(ref)) {
    const [t] = await describeTasks(c, cluster, [ref]);
    if (!t) throw new Error(`no task ${ref} in cluster ${cluster}`);
    return t;
  }
  const arns = [
    ...await listAll(c, 'ListTasks', { cluster, desiredStatus: 'RUNNING' }, 'taskArns'),
    ...await listAll(c, 'ListTasks', { cluster, desiredStatus: 'STOPPED' }, 'taskArns'),
  ].filter((a) => taskId(a).startsWith(ref));
  if (arns.length === 0) throw new Error(`no task '${ref}' in cluster ${cluster}: 'pier ps --all' lists them`);
  if (arns.length > 1) throw new Error(`'${ref}' names ${arns.length} tasks in cluster ${cluster}: give more of the id`);
  return (await describeTasks(c, cluster, arns))[0];
}
