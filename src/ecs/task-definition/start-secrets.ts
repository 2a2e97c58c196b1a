/** Whether a task's containers name anything the execution role must read before they start. */
import type { ContainerDefinition } from './types.js';

export function needsStartSecrets(containers: readonly ContainerDefinition[]): boolean {
  return containers.some((c) => (c.secrets?.length ?? 0) > 0 || c.repositoryCredentials?.credentialsParameter !== undefined);
}
