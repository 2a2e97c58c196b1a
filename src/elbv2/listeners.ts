/**
 * CreateListener, DescribeListeners, ModifyListener, DeleteListener: HTTP listeners whose default
 * action forwards (to one group or weighted to several) or answers a fixed response.
 */
import { validationError } from '../api/query/errors.js';
import type { ControlPlane } from '../control-plane/context.js';
import { signalLoadBalancing } from '../control-plane/load-balancing.js';
import { ConflictError, type ListenerRecord, type LoadBalancerRecord, type Repos } from '../store/store.js';
import { DuplicateListenerException, InvalidConfigurationRequestException, ListenerNotFoundException, UnsupportedProtocolException } from './errors.js';
import {
  listenerArn, listenerToWire, page, requireListener, requireLoadBalancer, requireTargetGroup, shortId, type Wire,
} from './resources.js';
import { parseActions, type ActionInput } from './rule-parts.js';
import { parseTags, putTags, type WireTag } from './tag-list.js';

export interface ListenerInput {
  Protocol?: string;
  Port?: number;
  SslPolicy?: string;
  Certificates?: unknown[];
  AlpnPolicy?: string[];
  MutualAuthentication?: unknown;
  DefaultActions?: ActionInput[];
}

function checkProtocol(input: ListenerInput): void {
  if (input.Protocol !== undefined && input.Protocol !== 'HTTP') {
    if (input.Protocol === 'HTTPS') throw new UnsupportedProtocolException("Protocol 'HTTPS' is not supported by Pier: listeners speak HTTP");
    throw new UnsupportedProtocolException(`Protocol '${input.Protocol}' is not supported for load balancer type 'application'`);
  }
  if (input.SslPolicy !== undefined || input.Certificates !== undefined || input.AlpnPolicy !== undefined || input.MutualAuthentication !== undefined) {
    throw validationError('Certificates, SSL policies, ALPN policies and mutual authentication need an HTTPS listener, which Pier does not serve');
  }
}

/** Checks actions and that the groups they forward to exist in the load balancer's VPC; returns them normalised. */
export async function parseActionsFor(repos: Repos, lb: LoadBalancerRecord, actions: readonly ActionInput[]): Promise<Wire[]> {
  const parsed = parseActions(actions);
  for (const arn of parsed.targetGroupArns) {
    const tg = await requireTargetGroup(repos, arn);
    if (tg.vpcId !== lb.vpcId) {
      throw new InvalidConfigurationRequestException(`Target group '${arn}' is in VPC '${tg.vpcId}', but load balancer '${lb.arn}' is in VPC '${lb.vpcId}'`);
    }
  }
  return parsed.actions;
}

/**
 * Hosts bind every load balancer's listeners on one address (`pier up --lb-bind-address`), so a
 * port can serve one load balancer only; ELBv2, where each load balancer has addresses of its own,
 * has no such rule.
 */
async function checkPortFree(repos: Repos, lb: LoadBalancerRecord, port: number): Promise<void> {
  const other = (await repos.elbv2.listListeners()).find((l) => l.port === port && l.loadBalancerArn !== lb.arn);
  if (other) {
    throw new InvalidConfigurationRequestException(
      `Port ${port} is taken by a listener of load balancer '${other.loadBalancerArn}': Pier's hosts bind every load balancer's listeners on one address`);
  }
}

const duplicate = (lbArn: string) => new DuplicateListenerException(`A listener already exists on this port for this load balancer '${lbArn}'`);

export async function createListener(cp: ControlPlane, input: ListenerInput & { LoadBalancerArn: string; DefaultActions: ActionInput[]; Tags?: WireTag[] }): Promise<Wire> {
  checkProtocol(input);
  if (input.Protocol === undefined) throw validationError('A listener protocol must be specified');
  if (input.Port === undefined) throw validationError('A listener port must be specified');
  const port = input.Port;
  const tags = parseTags(input.Tags);
  const id = shortId(cp.ids.hex32());
  const listener = await cp.store.transaction(async (tx) => {
    const lb = await requireLoadBalancer(tx, input.LoadBalancerArn);
    const record: ListenerRecord = {
      arn: listenerArn(lb.arn, id), loadBalancerArn: lb.arn, port, protocol: 'HTTP',
      defaultActions: await parseActionsFor(tx, lb, input.DefaultActions), createdAt: cp.clock.now(),
    };
    const existing = (await tx.elbv2.listListeners(lb.arn)).find((l) => l.port === port);
    // Idempotent, as in ELBv2: the same port with the same actions answers the listener there is.
    if (existing && JSON.stringify(existing.defaultActions) === JSON.stringify(record.defaultActions)) return existing;
    if (existing) throw duplicate(lb.arn);
    await checkPortFree(tx, lb, port);
    try {
      await tx.elbv2.insertListener(record);
    } catch (err) {
      throw err instanceof ConflictError ? duplicate(lb.arn) : err;
    }
    await putTags(tx, record.arn, tags);
    return record;
  });
  signalLoadBalancing(cp);
  return { Listeners: [listenerToWire(listener)] };
}

export async function describeListeners(
  cp: ControlPlane, input: { LoadBalancerArn?: string; ListenerArns?: string[]; Marker?: string; PageSize?: number },
): Promise<Wire> {
  if ((input.LoadBalancerArn === undefined) === (input.ListenerArns === undefined)) {
    throw validationError('You must specify either a load balancer ARN or listener ARNs, but not both');
  }
  const repos = cp.store.read;
  let listeners: ListenerRecord[];
  if (input.LoadBalancerArn !== undefined) {
    await requireLoadBalancer(repos, input.LoadBalancerArn);
    listeners = await repos.elbv2.listListeners(input.LoadBalancerArn);
  } else {
    listeners = [];
    for (const arn of input.ListenerArns!) {
      const l = await repos.elbv2.getListener(arn);
      if (!l) throw new ListenerNotFoundException('One or more listeners not found');
      if (!listeners.some((x) => x.arn === l.arn)) listeners.push(l);
    }
  }
  const p = page(listeners, (l) => `${l.loadBalancerArn} ${String(l.port).padStart(5, '0')}`, input.Marker, input.PageSize);
  return { Listeners: p.items.map(listenerToWire), ...(p.nextMarker ? { NextMarker: p.nextMarker } : {}) };
}

export async function modifyListener(cp: ControlPlane, input: ListenerInput & { ListenerArn: string }): Promise<Wire> {
  checkProtocol(input);
  const listener = await cp.store.transaction(async (tx) => {
    const current = await requireListener(tx, input.ListenerArn);
    const lb = await requireLoadBalancer(tx, current.loadBalancerArn);
    const next: ListenerRecord = {
      ...current, port: input.Port ?? current.port,
      defaultActions: input.DefaultActions !== undefined ? await parseActionsFor(tx, lb, input.DefaultActions) : current.defaultActions,
    };
    await checkPortFree(tx, lb, next.port);
    try {
      await tx.elbv2.updateListener(next);
    } catch (err) {
      throw err instanceof ConflictError ? duplicate(lb.arn) : err;
    }
    return next;
  });
  signalLoadBalancing(cp);
  return { Listeners: [listenerToWire(listener)] };
}

/** Deletes the listener with its rules. */
export async function deleteListener(cp: ControlPlane, input: { ListenerArn: string }): Promise<Wire> {
  await cp.store.transaction(async (tx) => {
    await requireListener(tx, input.ListenerArn);
    await tx.elbv2.removeListener(input.ListenerArn);
  });
  signalLoadBalancing(cp);
  return {};
}
