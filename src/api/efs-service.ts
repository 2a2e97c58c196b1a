/** The EFS subset Pier serves (rest-json, signing name elasticfilesystem). */
import * as fileSystems from '../control-plane/file-systems.js';
import type { ControlPlane } from '../control-plane/context.js';
import { BadRequest } from '../efs/errors.js';
import type { ServiceModel } from './model/service-model.js';
import type { RestService } from './rest-service.js';

export function efsService(cp: ControlPlane, model: ServiceModel): RestService {
  return {
    signingName: 'elasticfilesystem',
    model,
    constraintError: (message) => new BadRequest(message),
    routes: [
      {
        method: 'POST', path: /^\/2015-02-01\/file-systems\/?$/, operation: 'CreateFileSystem', successStatus: 201,
        handler: (input) => fileSystems.createFileSystem(cp, input as unknown as fileSystems.CreateFileSystemInput),
      },
      {
        method: 'GET', path: /^\/2015-02-01\/file-systems\/?$/, operation: 'DescribeFileSystems', successStatus: 200,
        numericQuery: ['MaxItems'],
        handler: (input) => fileSystems.describeFileSystems(cp, input),
      },
      {
        method: 'DELETE', path: /^\/2015-02-01\/file-systems\/(?<FileSystemId>[^/]+)$/, operation: 'DeleteFileSystem', successStatus: 204,
        handler: async (input) => {
          await fileSystems.deleteFileSystem(cp, input as { FileSystemId: string });
          return undefined;
        },
      },
    ],
  };
}
