/**
 * The services seam as ECS services implement it: the desired count is read from the service
 * record, and changed through the services module's own UpdateService (so a scale by auto scaling
 * is exactly a scale by `aws ecs update-service --desired-count`, with its checks and its nudge to
 * the service controller).
 */
import type { ControlPlane } from '../control-plane/context.js';
import { updateService } from '../control-plane/services.js';
import type { ScalableServices } from './context.js';

export function ecsScalableServices(cp: ControlPlane): ScalableServices {
  return {
    async desiredCount(ref) {
      const s = await cp.store.read.services.get(ref.cluster, ref.service);
      return s?.status === 'ACTIVE' && typeof s.body.desiredCount === 'number' ? s.body.desiredCount : undefined;
    },
    async setDesiredCount(ref, desiredCount) {
      await updateService(cp, { cluster: ref.cluster, service: ref.service, desiredCount });
    },
  };
}
