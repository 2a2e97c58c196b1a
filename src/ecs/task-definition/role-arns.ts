/**
 * The role a task runs with, of either kind: RunTask's override when it names one, else the task
 * definition's (ECS treats an empty string as none).
 */
export type TaskRoleKind = 'taskRoleArn' | 'executionRoleArn';

export function roleArnOf(kind: TaskRoleKind, overrides: unknown, definition: Record<string, unknown>): string | undefined {
  const override = (overrides as Partial<Record<TaskRoleKind, unknown>> | undefined)?.[kind];
  const arn = typeof override === 'string' && override !== '' ? override : definition[kind];
  return typeof arn === 'string' && arn !== '' ? arn : undefined;
}
