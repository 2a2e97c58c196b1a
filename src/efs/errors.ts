/** EFS error shapes (rest-json: `{"ErrorCode", "Message"}` with the code in x-amzn-ErrorType). */
import { AwsError } from '../ecs/errors.js';

export abstract class EfsError extends AwsError {}
export class BadRequest extends EfsError { readonly code = 'BadRequest'; }
export class FileSystemNotFound extends EfsError {
  readonly code = 'FileSystemNotFound';
  override readonly status = 404;
}
export class FileSystemInUse extends EfsError {
  readonly code = 'FileSystemInUse';
  override readonly status = 409;
}
export class FileSystemAlreadyExists extends EfsError {
  readonly code = 'FileSystemAlreadyExists';
  override readonly status = 409;
  constructor(message: string, readonly fileSystemId: string) {
    super(message);
  }
  override extraMembers(): Record<string, unknown> {
    return { FileSystemId: this.fileSystemId };
  }
}
