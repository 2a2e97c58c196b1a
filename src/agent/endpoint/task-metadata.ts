/**
 * The task metadata endpoint v4 documents (pure): what `${ECS_CONTAINER_METADATA_URI_V4}` and its
 * `/task` path return on Fargate, built from what the agent knows of a task. Keys, casing and
 * value shapes follow Fargate's (Revision a string, Limits.CPU in vCPUs at task level, times as
 * RFC 3339). Keys Pier has no value for are left out rather than invented.
 */
import { parseCidr, formatIpv4 } from '../../ec2/cidr.js';
import type { ContainerDefinition, TaskDefinitionBody } from '../../ecs/task-definition/types.js';
import type { LocalContainer, LocalTaskState } from '../state/task-state.js';
import type { HealthState } from '../task/health.js';

/** A running task as the endpoint sees it: its state and its containers' health. */
export interface TaskView {
  state: LocalTaskState;
  health: ReadonlyMap<string, HealthState>;
}

const rfc3339 = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

const KNOWN: Record<LocalContainer['phase'], string> = { waiting: 'PENDING', running: 'RUNNING', exited: 'STOPPED', 'never-started': 'STOPPED' };

function networks(view: TaskView): Record<string, unknown>[] | undefined {
  const eni = view.state.assignment.eni;
  if (!eni) return undefined;
  const subnet = parseCidr(eni.subnetCidr);
  return [defined({
    NetworkMode: 'awsvpc',
    IPv4Addresses: [eni.privateIpv4Address],
    AttachmentIndex: 0,
    MACAddress: eni.macAddress,
    IPv4SubnetCIDRBlock: eni.subnetCidr,
    PrivateDNSName: eni.privateDnsName,
    SubnetGatewayIpv4Address: subnet ? `${formatIpv4(subnet.network + 1)}/${subnet.prefix}` : undefined,
  })];
}

function definitionOf(view: TaskView): TaskDefinitionBody {
  return view.state.assignment.taskDefinition as unknown as TaskDefinitionBody;
}

export function containerMetadata(view: TaskView, c: LocalContainer): Record<string, unknown> {
  const { state } = view;
  const def: ContainerDefinition = (definitionOf(view).containerDefinitions ?? []).find((d) => d.name === c.name) ?? {};
  const family = String((state.assignment.taskDefinition as { family?: unknown }).family ?? '');
  const revision = String((state.assignment.taskDefinition as { revision?: unknown }).revision ?? '');
  const health = view.health.get(c.name);
  return defined({
    DockerId: c.runtimeId,
    Name: c.name,
    DockerName: c.name,
    Image: def.image,
    ImageID: c.imageDigest,
    Labels: {
      'com.amazonaws.ecs.cluster': state.assignment.clusterArn,
      'com.amazonaws.ecs.container-name': c.name,
      'com.amazonaws.ecs.task-arn': state.taskArn,
      'com.amazonaws.ecs.task-definition-family': family,
      'com.amazonaws.ecs.task-definition-version': revision,
    },
    DesiredStatus: state.assignment.desiredStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING',
    KnownStatus: KNOWN[c.phase],
    ExitCode: c.phase === 'exited' ? c.exitCode : undefined,
    Limits: defined({ CPU: def.cpu ?? 0, Memory: def.memory }),
    StartedAt: rfc3339(c.startedAtMs),
    Type: 'NORMAL',
    Health: health && def.healthCheck ? defined({
      status: health.status, statusSince: rfc3339(health.statusSinceMs), exitCode: health.lastExitCode, output: health.lastOutput,
    }) : undefined,
    LogDriver: def.logConfiguration?.logDriver,
    LogOptions: def.logConfiguration?.options,
    RestartCount: def.restartPolicy?.enabled ? c.restartCount : undefined,
    Networks: networks(view),
  });
}

export function taskMetadata(view: TaskView): Record<string, unknown> {
  const { state } = view;
  const a = state.assignment;
  const td = a.taskDefinition as { family?: unknown; revision?: unknown };
  return defined({
    Cluster: a.clusterArn,
    TaskARN: state.taskArn,
    Family: td.family === undefined ? undefined : String(td.family),
    Revision: td.revision === undefined ? undefined : String(td.revision),
    DesiredStatus: a.desiredStatus,
    KnownStatus: state.reported ?? 'PENDING',
    Limits: { CPU: a.size.cpu / 1024, Memory: a.size.memory },
    PullStartedAt: rfc3339(state.pullStartedAt),
    PullStoppedAt: rfc3339(state.pullStoppedAt),
    AvailabilityZone: a.availabilityZone,
    LaunchType: 'FARGATE',
    Containers: state.containers.map((c) => containerMetadata(view, c)),
  });
}
