/**
 * A container's `logConfiguration` with the awslogs driver, read the way ECS and Docker read it:
 * where its events go (group; stream `prefix/container-name/task-id`), whether the group may be
 * created, and how lines are framed into events.
 *
 * `mode` (blocking / non-blocking) and `max-buffer-size` are accepted and checked but change
 * nothing here: a container writes its output to files the agent reads, so it never waits on
 * shipping, and nothing is dropped — both modes get non-blocking's latency and blocking's
 * completeness.
 */
import type { ContainerDefinition } from './task-definition/types.js';
import { datetimeFormatRegex } from './strftime.js';

export interface AwslogsConfig {
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly region: string | undefined;
  readonly createGroup: boolean;
  /** Starts a new multi-line event; undefined: one event per line. */
  readonly startPattern: RegExp | undefined;
}

export class AwslogsConfigError extends Error {}

export function awslogsConfig(container: ContainerDefinition, taskId: string): AwslogsConfig | undefined {
  const lc = container.logConfiguration;
  if (lc?.logDriver !== 'awslogs') return undefined;
  const o = (lc.options ?? {}) as Record<string, string | undefined>;
  const group = o['awslogs-group'];
  if (!group) throw new AwslogsConfigError(`container ${container.name}: awslogs needs awslogs-group`);
  const prefix = o['awslogs-stream-prefix'];
  const createGroup = (o['awslogs-create-group'] ?? 'false').toLowerCase();
  if (createGroup !== 'true' && createGroup !== 'false') throw new AwslogsConfigError(`awslogs-create-group must be true or false, not '${o['awslogs-create-group']}'`);
  const mode = o['mode'];
  if (mode !== undefined && mode !== 'blocking' && mode !== 'non-blocking') throw new AwslogsConfigError(`mode must be blocking or non-blocking, not '${mode}'`);
  const buffer = o['max-buffer-size'];
  if (buffer !== undefined && !/^\d+(?:[kmg]i?b?)?$/i.test(buffer)) throw new AwslogsConfigError(`max-buffer-size '${buffer}' is not a size such as 25m`);
  let startPattern: RegExp | undefined;
  try {
    // Docker: the datetime format wins when both are given.
    if (o['awslogs-datetime-format']) startPattern = datetimeFormatRegex(o['awslogs-datetime-format']);
    else if (o['awslogs-multiline-pattern']) startPattern = new RegExp(o['awslogs-multiline-pattern']);
  } catch (err) {
    throw new AwslogsConfigError(`awslogs: ${(err as Error).message}`);
  }
  return {
    logGroupName: group,
    logStreamName: prefix ? `${prefix}/${container.name}/${taskId}` : taskId,
    region: o['awslogs-region'],
    createGroup: createGroup === 'true',
    startPattern,
  };
}
