/**
 * The awslogs driver for one task: a shipper per container whose logConfiguration uses awslogs,
 * pumped together while the task runs and drained when its containers are done.
 *
 * `open()` runs while the task prepares: it creates each stream (and group, when the container
 * allows it) and fails the task the way ECS does when a group is missing. A restarted agent builds
 * the same shippers from the state file and resumes from their recorded offsets.
 */
import { awslogsConfig } from '../../ecs/awslogs-config.js';
import type { ContainerDefinition } from '../../ecs/task-definition/types.js';
import { coerceError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { ShipLogsRequest, ShipLogsResponse } from '../../protocol/agent.js';
import type { LocalTaskState } from '../state/task-state.js';
import { TaskFailure } from '../task/task-failure.js';
import { ContainerLogShipper } from './log-shipper.js';

const PUMP_MS = 500;
/** A failing control plane is logged at most this often per task. */
const WARN_EVERY_MS = 30_000;

export interface TaskLogsDeps {
  readonly ship: (req: ShipLogsRequest) => Promise<ShipLogsResponse>;
  readonly now: () => number;
  readonly log: Logger;
}

export class TaskLogs {
  private readonly shippers: { name: string; shipper: ContainerLogShipper }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  private lastWarnMs = 0;

  constructor(private readonly deps: TaskLogsDeps, state: LocalTaskState, definitions: ReadonlyMap<string, ContainerDefinition>) {
    for (const c of state.containers) {
      const def = definitions.get(c.name);
      const config = def ? awslogsConfig(def, state.taskId) : undefined;
      if (!config) continue;
      this.shippers.push({
        name: c.name,
        shipper: new ContainerLogShipper({
          taskArn: state.taskArn, containerName: c.name, dir: c.dir, startPattern: config.startPattern, ship: deps.ship, now: deps.now,
        }),
      });
    }
  }

  get enabled(): boolean {
    return this.shippers.length > 0;
  }

  /** Creates the streams (and groups where allowed); a refusal fails the task before it starts. */
  async open(): Promise<void> {
    for (const { name, shipper } of this.shippers) {
      try {
        await shipper.sync();
      } catch (err) {
        throw new TaskFailure('TaskFailedToStart',
          `ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream for container ${name}: ${coerceError(err).message}`);
      }
    }
  }

  /** Ships new output every half second until drain(). */
  start(): void {
    if (!this.enabled || this.timer) return;
    this.timer = setInterval(() => {
      this.pumping ??= this.pumpAll(false).finally(() => (this.pumping = undefined));
    }, PUMP_MS);
    this.timer.unref();
  }

  /** Stops pumping and ships everything the containers wrote (they have exited). */
  async drain(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.pumping;
    await this.pumpAll(true);
  }

  /** Stops pumping without draining (the agent is going away; a successor resumes). */
  detach(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async pumpAll(final: boolean): Promise<void> {
    await Promise.all(this.shippers.map(async ({ name, shipper }) => {
      try {
        if (final) await shipper.drain();
        else while (await shipper.pump());
      } catch (err) {
        const now = this.deps.now();
        if (now - this.lastWarnMs >= WARN_EVERY_MS) {
          this.lastWarnMs = now;
          this.deps.log.warn('could not ship container logs; retrying', { container: name, error: coerceError(err).message });
        }
      }
    }));
  }
}
