/**
 * The alarm operations' own error shapes (models/monitoring-2010-08-01.json): ResourceNotFound
 * (SetAlarmState and DeleteAlarms on an alarm that does not exist), InvalidFormat (a
 * StateReasonData that is not JSON) and LimitExceeded. Input problems are ValidationError, as
 * CloudWatch answers them for these operations.
 */
import { CloudWatchError } from '../errors.js';

export class ResourceNotFound extends CloudWatchError {
  readonly code = 'ResourceNotFound';
  readonly shape = 'ResourceNotFound';
  override readonly status = 404;
}
export class InvalidFormatFault extends CloudWatchError {
  readonly code = 'InvalidFormat';
  readonly shape = 'InvalidFormatFault';
}
export class LimitExceededFault extends CloudWatchError {
  readonly code = 'LimitExceeded';
  readonly shape = 'LimitExceededFault';
}
