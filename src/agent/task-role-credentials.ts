/**
 * What the agent serves at `$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (/v2/credentials/<id>): the
 * task role's temporary credentials, fetched from the control plane and kept until they near
 * expiry. SDKs re-read the endpoint shortly before their copy expires (the JS SDK 5 minutes
 * before, botocore 15), so the agent renews well ahead of that: once a quarter of the lifetime
 * or 30 minutes is left, whichever comes first, every caller gets a fresh set.
 *
 * Only the task the credentials id belongs to gets them; the caller is identified by its ENI
 * address before this runs, and an id of another task answers like an unknown one.
 */
import type { TaskCredentialsResponse } from '../protocol/agent.js';
import { ControlPlaneError } from './control-plane-client.js';
import type { TaskCredentials } from './endpoint/endpoint-server.js';
import type { TaskView } from './endpoint/task-metadata.js';

const RENEW_BEFORE_MS = 30 * 60 * 1000;

interface Held {
  creds: TaskCredentialsResponse;
  issuedAtMs: number;
  expiresAtMs: number;
}

export class TaskRoleCredentials {
  private readonly held = new Map<string, Held>();
  private readonly inFlight = new Map<string, Promise<Held>>();

  constructor(
    private readonly fetchCredentials: (taskArn: string) => Promise<TaskCredentialsResponse>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The endpoint's credentials hook. */
  async forCaller(view: TaskView, id: string): Promise<TaskCredentials | undefined> {
    const role = view.state.assignment.taskRole;
    if (!role || role.credentialsId !== id) return undefined;
    if (view.state.phase === 'done' || view.state.phase === 'cleaning') return undefined;
    const taskArn = view.state.taskArn;
    const held = this.held.get(taskArn);
    if (held && !this.due(held)) return held.creds;
    try {
      return (await this.renew(taskArn)).creds;
    } catch (err) {
      // The control plane refused (the task stopped, its role is gone): nothing to hand out.
      if (err instanceof ControlPlaneError && err.status >= 400 && err.status < 500) return undefined;
      throw err;
    }
  }

  /** Drops what is held for a task (it has stopped). */
  forget(taskArn: string): void {
    this.held.delete(taskArn);
  }

  private due(h: Held): boolean {
    const lifetime = h.expiresAtMs - h.issuedAtMs;
    return this.now() >= h.expiresAtMs - Math.min(RENEW_BEFORE_MS, lifetime / 4);
  }

  /** One fetch per task at a time, however many containers ask at once. */
  private renew(taskArn: string): Promise<Held> {
    let p = this.inFlight.get(taskArn);
    if (!p) {
      p = this.fetchCredentials(taskArn)
        .then((creds) => {
          const held = { creds, issuedAtMs: this.now(), expiresAtMs: Date.parse(creds.Expiration) };
          this.held.set(taskArn, held);
          return held;
        })
        .finally(() => this.inFlight.delete(taskArn));
      this.inFlight.set(taskArn, p);
    }
    return p;
  }
}
