/**
 * What the alarm handlers and the alarm controller are given: the control plane (its store holds
 * the alarms) and the metric store the alarms watch.
 */
import type { ControlPlane } from '../../control-plane/context.js';
import type { MetricStore } from '../metric-store.js';

export interface AlarmsContext {
  readonly cp: ControlPlane;
  readonly metrics: MetricStore;
}
