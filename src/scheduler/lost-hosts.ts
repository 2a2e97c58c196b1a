/** Pure: which ACTIVE hosts have missed heartbeats long enough to be declared LOST. */
export interface HostHeartbeat { readonly id: string; readonly status: string; readonly lastHeartbeatAt: number }

export function findLostHosts(hosts: readonly HostHeartbeat[], nowMs: number, lostAfterMs: number): string[] {
  return hosts.filter((h) => h.status === 'ACTIVE' && nowMs - h.lastHeartbeatAt > lostAfterMs).map((h) => h.id);
}

export function lostHostReason(hostId: string, lostAfterMs: number): string {
  return `Host ${hostId} stopped responding (no heartbeat for ${Math.round(lostAfterMs / 1000)} s); the task was stopped.`;
}
