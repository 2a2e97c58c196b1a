/**
 * The Cost Explorer errors Pier answers (models/ce-2017-10-25.json). ValidationException is not
 * in the model's error list but is what Cost Explorer answers for requests it cannot serve; the
 * body carries `Message` beside `message`, as the model's error shapes spell it.
 */
import { AwsError } from '../ecs/errors.js';

abstract class CostExplorerError extends AwsError {
  override extraMembers(): Record<string, unknown> {
    return { Message: this.message };
  }
}

export class ValidationException extends CostExplorerError { readonly code = 'ValidationException'; }
export class InvalidNextTokenException extends CostExplorerError { readonly code = 'InvalidNextTokenException'; }
