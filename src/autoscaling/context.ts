/**
 * What the Application Auto Scaling handlers and the autoscaling controller are given: the
 * control plane, and the seam to ECS services they scale.
 */
import type { ControlPlane } from '../control-plane/context.js';
import type { EcsServiceRef } from './resources.js';

/**
 * The ECS services seam. Auto scaling never writes a service itself: it reads a service's
 * desired count and asks the services module to change it, as UpdateService would.
 */
export interface ScalableServices {
  /** The desired count of the ACTIVE service, or undefined when there is no such active service. */
  desiredCount(ref: EcsServiceRef): Promise<number | undefined>;
  /** Sets the service's desired count as UpdateService({desiredCount}) does; throws when it cannot. */
  setDesiredCount(ref: EcsServiceRef, desiredCount: number): Promise<void>;
}

export interface AutoScalingContext {
  readonly cp: ControlPlane;
  readonly services: ScalableServices;
}
