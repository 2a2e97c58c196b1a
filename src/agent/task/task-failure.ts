import type { StopCode } from '../../ecs/enums.js';

/** A task that cannot go on: becomes the task's stopCode and stoppedReason. */
export class TaskFailure extends Error {
  constructor(readonly stopCode: StopCode, readonly reason: string) {
    super(reason);
  }
}
