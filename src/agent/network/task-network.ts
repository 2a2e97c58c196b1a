/**
 * The task's ENI as it stands today: a network namespace per task with loopback, shared by
 * the task's containers (sidecars talk over 127.0.0.1). The VPC work adds the veth pair on the
 * VPC bridge, the address from the subnet and the security-group rules to the same namespace.
 */
import { createNetns, deleteNetns, listNetns, netnsPath } from '../host/netns.js';
import type { TaskNetwork } from '../task/runner-deps.js';

export class NetnsTaskNetwork implements TaskNetwork {
  /** `prefix` names this agent's namespaces (`p<agent id>-<task id>`), so agents sharing a machine never touch each other's. */
  constructor(private readonly prefix: string) {}
  pathFor(taskId: string): string {
    return netnsPath(this.prefix + taskId);
  }
  create(taskId: string): Promise<string> {
    return createNetns(this.prefix + taskId);
  }
  destroy(taskId: string): Promise<void> {
    return deleteNetns(this.prefix + taskId);
  }
  async list(): Promise<string[]> {
    return listNetns(this.prefix).map((n) => n.slice(this.prefix.length)).filter((id) => /^[0-9a-f]{32}$/.test(id));
  }
}
