/** What every control-plane handler is given: the store, time, ids, the account and the config. */
import type { AccountScope } from '../ecs/arn.js';
import type { Clock } from '../lib/clock.js';
import type { IdSource } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/store.js';
import type { HostSignals } from './host-signals.js';
import type { SessionAuthority } from '../iam/session-credentials.js';

export interface ControlPlaneConfig {
  /** An agent that has not heartbeated for this long is LOST and its tasks are stopped. */
  readonly hostLostAfterMs: number;
  readonly heartbeatIntervalMs: number;
  /** STOPPED tasks stay visible at least this long (ECS: at least an hour). */
  readonly stoppedTaskRetentionMs: number;
  /** Availability zones of this region, for the default subnets and for agents that name none. */
  readonly availabilityZones: readonly string[];
  /** The default VPC's block (AWS: 172.31.0.0/16). */
  readonly defaultVpcCidr?: string;
  /** Where hosts bind load balancers' listeners (`pier up --lb-bind-address`); 127.0.0.1 when unset. */
  readonly loadBalancerBindAddress?: string;
  /**
   * When this control plane process started (epoch ms). Heartbeats missed while no control plane
   * was running are not the hosts' fault, so lost-host detection counts from here at the earliest.
   */
  readonly startedAtMs: number;
  /** Lifetime of a task role's credentials; ECS's six hours when unset. */
  readonly taskCredentialsTtlMs?: number;
  /** How long an interrupted Fargate Spot task keeps running before its stop begins; two minutes when unset. */
  readonly spotNoticeMs?: number;
}

export interface ControlPlane {
  readonly store: Store;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly scope: AccountScope;
  readonly log: Logger;
  readonly config: ControlPlaneConfig;
  /** Wakes agents long-polling for their assignments. */
  readonly hostSignals: HostSignals;
  /** Mints and checks temporary role credentials (task roles, AssumeRole). */
  readonly sessions: SessionAuthority;
}

/** Who made an API call (from the verified signature). */
export interface Caller {
  readonly accessKeyId: string;
  readonly principalArn: string;
}
