/**
 * The CloudWatch Logs subset Pier serves (AWS JSON 1.1, target prefix Logs_20140328, signing name
 * logs). Handlers live in src/logs/; a log store that cannot serve a call answers
 * ServiceUnavailableException, as AWS does when it is overloaded.
 */
import type { LogsContext } from '../logs/context.js';
import { InvalidParameterException, ServiceUnavailableException } from '../logs/errors.js';
import * as events from '../logs/log-events.js';
import * as groups from '../logs/log-groups.js';
import { LogStoreUnavailableError } from '../logs/log-store.js';
import * as streams from '../logs/log-streams.js';
import * as tags from '../logs/tags.js';
import type { JsonService, Operation } from './json-service.js';
import type { ServiceModel } from './model/service-model.js';

export function logsService(ctx: LogsContext, model: ServiceModel): JsonService {
  // Inputs have passed the model check, so their members have the model's types.
  const op = <I>(fn: (ctx: LogsContext, input: I) => Promise<unknown>): Operation => async (input) => {
    try {
      return await fn(ctx, input as I);
    } catch (err) {
      if (err instanceof LogStoreUnavailableError) {
        ctx.log.warn('log store unavailable', { error: err.message });
        throw new ServiceUnavailableException('The service cannot complete the request.');
      }
      throw err;
    }
  };
  const operations = new Map<string, Operation>([
    ['CreateLogGroup', op(groups.createLogGroup)],
    ['DeleteLogGroup', op(groups.deleteLogGroup)],
    ['DescribeLogGroups', op(groups.describeLogGroups)],
    ['PutRetentionPolicy', op(groups.putRetentionPolicy)],
    ['DeleteRetentionPolicy', op(groups.deleteRetentionPolicy)],
    ['CreateLogStream', op(streams.createLogStream)],
    ['DeleteLogStream', op(streams.deleteLogStream)],
    ['DescribeLogStreams', op(streams.describeLogStreams)],
    ['PutLogEvents', op(events.putLogEvents)],
    ['GetLogEvents', op(events.getLogEvents)],
    ['FilterLogEvents', op(events.filterLogEvents)],
    ['TagLogGroup', op(tags.tagLogGroup)],
    ['UntagLogGroup', op(tags.untagLogGroup)],
    ['ListTagsLogGroup', op(tags.listTagsLogGroup)],
    ['TagResource', op(tags.tagResource)],
    ['UntagResource', op(tags.untagResource)],
    ['ListTagsForResource', op(tags.listTagsForResource)],
  ]);
  for (const name of operations.keys()) {
    if (!model.hasOperation(name)) throw new Error(`the logs model has no operation ${name}`);
  }
  return {
    signingName: 'logs',
    model,
    operations,
    constraintError: (message) => new InvalidParameterException(message),
  };
}
