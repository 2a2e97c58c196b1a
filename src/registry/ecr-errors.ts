/** The ECR error shapes Pier answers, named exactly as in the ECR model (JSON 1.1 `__type`). */
import { AwsError } from '../ecs/errors.js';

export class InvalidParameterException extends AwsError { readonly code = 'InvalidParameterException'; }
export class RepositoryNotFoundException extends AwsError { readonly code = 'RepositoryNotFoundException'; }
export class RepositoryAlreadyExistsException extends AwsError { readonly code = 'RepositoryAlreadyExistsException'; }
export class RepositoryNotEmptyException extends AwsError { readonly code = 'RepositoryNotEmptyException'; }
export class ImageNotFoundException extends AwsError { readonly code = 'ImageNotFoundException'; }
