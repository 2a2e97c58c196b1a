/**
 * A host speaking the agent protocol from the test, standing in for the real agent (issue 3):
 * registers with the join token, heartbeats, reads its assignments and reports transitions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AssignmentsResponse, HostCapacity, RegisterHostResponse, TaskMetricSample, TaskReport } from '../../src/protocol/agent.js';
import type { LoadBalancingAssignment, TargetHealthReport } from '../../src/protocol/load-balancing.js';

export class TestHost {
  private constructor(readonly endpoint: string, readonly hostId: string, private readonly token: string) {}

  static async register(endpoint: string, dataDir: string, opts: { capacity?: HostCapacity; availabilityZone?: string } = {}): Promise<TestHost> {
    const joinToken = readFileSync(join(dataDir, 'agent-token'), 'utf8').trim();
    const res = await call<RegisterHostResponse>(endpoint, 'POST', '/agent/v1/hosts', joinToken, {
      availabilityZone: opts.availabilityZone ?? '',
      capacity: opts.capacity ?? { cpu: 4096, memory: 8192, ephemeralStorageGiB: 200 },
      hostname: 'test-host',
      runtimes: ['runsc', 'runc'],
    });
    return new TestHost(endpoint, res.hostId, res.hostToken);
  }

  heartbeat(): Promise<unknown> {
    return call(this.endpoint, 'POST', `/agent/v1/hosts/${this.hostId}/heartbeat`, this.token, {});
  }

  tasks(since?: string, waitSeconds = 0): Promise<AssignmentsResponse> {
    const q = new URLSearchParams({ ...(since ? { since } : {}), waitSeconds: String(waitSeconds) });
    return call<AssignmentsResponse>(this.endpoint, 'GET', `/agent/v1/hosts/${this.hostId}/tasks?${q}`, this.token);
  }

  /** The load-balancing configuration (long-polls while `since` is still current). */
  loadBalancers(since?: string, waitSeconds = 0): Promise<LoadBalancingAssignment> {
    const q = new URLSearchParams({ ...(since ? { since } : {}), waitSeconds: String(waitSeconds) });
    return call<LoadBalancingAssignment>(this.endpoint, 'GET', `/agent/v1/hosts/${this.hostId}/load-balancers?${q}`, this.token);
  }

  /** Reports the health of the targets this host checks (replacing its previous report). */
  reportTargetHealth(targets: TargetHealthReport[]): Promise<unknown> {
    return call(this.endpoint, 'POST', `/agent/v1/hosts/${this.hostId}/target-health`, this.token, { targets });
  }

  /** Reports task metric readings, as the agent does every 15 s. */
  reportMetrics(samples: TaskMetricSample[]): Promise<{ accepted: number }> {
    return call(this.endpoint, 'POST', `/agent/v1/hosts/${this.hostId}/metrics`, this.token, { samples });
  }

  report(taskArn: string, report: TaskReport): Promise<{ lastStatus: string; desiredStatus: string; version: number }> {
    return call(this.endpoint, 'POST', `/agent/v1/hosts/${this.hostId}/reports`, this.token, { taskArn, report });
  }

  /** Walks a task through PENDING and RUNNING as an agent would after pulling and starting it. */
  async runTask(taskArn: string, containers: string[]): Promise<void> {
    const now = Date.now();
    await this.report(taskArn, { lastStatus: 'PENDING', pullStartedAt: now, pullStoppedAt: now + 5 });
    await this.report(taskArn, {
      lastStatus: 'RUNNING',
      containers: containers.map((name, i) => ({ name, lastStatus: 'RUNNING', runtimeId: `${taskArn.split('/').pop()}-${i}` })),
    });
  }

  /** Reports that the task's containers exited with the given codes and the task is STOPPED. */
  async exitTask(taskArn: string, exits: Record<string, number>, stop?: Pick<TaskReport, 'stopCode' | 'stoppedReason'>): Promise<void> {
    await this.report(taskArn, {
      lastStatus: 'STOPPED', ...stop,
      containers: Object.entries(exits).map(([name, exitCode]) => ({ name, lastStatus: 'STOPPED', exitCode })),
    });
  }
}

export class AgentHttpError extends Error {
  constructor(readonly status: number, readonly body: unknown) {
    super(`agent protocol call failed: ${status} ${JSON.stringify(body)}`);
  }
}

async function call<T>(endpoint: string, method: string, path: string, token: string, body?: unknown): Promise<T> {
  const res = await fetch(new URL(path, endpoint), {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined && method !== 'GET' ? { body: JSON.stringify(body) } : {}),
  });
  const parsed = (await res.json()) as unknown;
  if (!res.ok) throw new AgentHttpError(res.status, parsed);
  return parsed as T;
}
